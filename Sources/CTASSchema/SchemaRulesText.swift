// The text of SampleData/schema.rules (a test checks the two agree).

/// The built-in schema rules.
enum SchemaRulesText {
    static let builtIn = #"""
# CTAS schema rules: where each discovered data structure should live.
# Built into ctas (this file is the same text); `ctas schema analyze --rules FILE` replaces it.
#
# One rule per line:   TIER  WEIGHT  TEST [ARGUMENT]  "reason shown in the report"
# Every rule whose test holds adds its weight to its tier; the tier with the highest total
# wins (on a tie: warm, hot, graph, cold, document, runtime, in that order). Confidence is
# the winner's share of all the weight that matched; a tie, a confidence under
# `low-confidence`, or a type only the `always` baseline matched is reported as such.
#
# Tiers: hot (key-value, recent), warm (relational / geospatial), cold (analytical),
#        graph (nodes and edges), document (free-form), and runtime: live machinery
#        (actors, errors, handles, namespaces), given no schema at all.
# Tests:
#   name-matches WORDS     the type's name contains one of the comma-separated words (any case)
#   field-matches WORDS    some field's name contains one of the words
#   field-suffix WORDS     some field's name ends with one of the words (`_id`, `Id`)
#   field-type-matches WORDS  some field's type names one of the words (`Mutex`, `Task`)
#   kind KINDS             the type is one of: struct, enum, class, actor, union
#   conforms WORDS         the type conforms to or derives one of the words (`Codable`, `Serialize`)
#   has-timestamp          a field is a time (Date, DateTime, SystemTime, Instant, Timestamp…)
#   has-coordinates        fields for latitude and longitude (lat/lon/lng/latitude/longitude)
#   has-references         a field's type mentions another discovered type
#   many-references        two or more fields hold collections of other discovered types
#   edge-fields            a from/to or source/target (or src/dst) pair of fields
#   small-record           at most 8 fields, none a collection or free-form
#   free-form              a field holds JSON values, Any, or a map of strings
#   enum                   the type is an enum
#   no-fields              no stored fields and no cases (a namespace or a marker)
#   always                 every type (a baseline)

low-confidence = 0.5

# Small records win hot only together with timestamps or a live-data name.
hot       3  name-matches feed,live,stream,tick,reading,sample,beacon,heartbeat,metric,telemetry,sighting  "name of live, streaming data"
hot       2  has-timestamp                       "timestamped records"
hot       1  small-record                        "small fixed-size record"
warm      3  has-coordinates                     "coordinates: geospatial queries"
warm      2  has-references                      "references other discovered types: relations"
warm      2  field-suffix _id,Id,ID              "foreign-key-like fields"
warm      2  conforms Codable,Encodable,Decodable,Serialize,Deserialize  "serialisable: written or sent as data"
warm      2  always                              "durable relational default"
graph     4  edge-fields                         "edge-like: from/to or source/target fields"
graph     3  many-references                     "many-to-many references"
graph     3  name-matches edge,link,relation,relationship,neighbor,graph  "name of a relationship"
cold      3  name-matches report,history,aggregate,summary,archive,rollup,stats,statistics,snapshot  "analytical name"
document  3  free-form                           "free-form payload"
document  1  name-matches payload,document,blob,raw,extra,metadata  "name of a free-form document"
runtime   8  kind actor                          "an actor: live state, not data"
runtime   6  conforms Error,LocalizedError,Fail,Diagnostic  "an error type"
runtime   6  conforms ParsableCommand,AsyncParsableCommand,ParsableArguments,View,App,Scene,XCTestCase,SyntaxVisitor  "command-line, UI or test machinery"
runtime   5  name-matches error,handler,delegate,visitor,builder,iterator,parser,scanner,lexer,emitter,renderer,reducer,controller,reader,writer,recorder,sampler,generator,decoder,encoder,codec,loader,launcher,runner,scheduler,executor,stage,relay,pool,cache,clock,timer,pane,widget,terminal,screen,theme,glyph,keymap,viewport,viewstate,benchmark,mock,fixture  "name of runtime machinery"
runtime   4  field-type-matches Mutex,Locked,RwLock,NSLock,Lock,Task,Thread,JoinHandle,FileHandle,File,TcpStream,UdpSocket,OpaquePointer,UnsafeMutablePointer,UnsafeMutableRawPointer,DispatchQueue,DispatchSource,DispatchSourceSignal,CheckedContinuation,AsyncStream,Sender,Receiver,Pipe,Process  "holds live resources (locks, tasks, handles)"
runtime   6  no-fields                           "no stored data (a namespace or marker)"

"""#
}
