extension Warninglist {
    /// The built-in warninglist; SampleData/warninglist.txt holds the same text (a test
    /// checks that both parse to the same entries).
    public static let builtInText = """
    # CTAS warninglist: known-benign values that never link events in the correlation graph.
    # Built in (ctas uses this same text); add your own with --warninglist FILE (repeatable) or
    # in $XDG_CONFIG_HOME/ctas/warninglist.txt (else ~/.config/ctas/warninglist.txt).
    #
    # One entry per line, under a [section] whose name is shown as the reason:
    #   8.8.8.8          an exact value (any indicator type)
    #   10.0.0.0/8       a network, IPv4 or IPv6
    #   *.example.com    a domain and every name below it (URLs match through their host,
    #                    e-mail addresses through their domain)
    #   *tracking*       a pattern; * matches any run of characters
    # Warninglisted values are still extracted, stored and shown (marked); they are only
    # never followed from one event to another.

    [public resolvers]
    8.8.8.8
    8.8.4.4
    1.1.1.1
    1.0.0.1
    9.9.9.9
    149.112.112.112
    208.67.222.222
    208.67.220.220
    4.2.2.1
    4.2.2.2
    4.2.2.3
    4.2.2.4
    64.6.64.6
    64.6.65.6
    94.140.14.14
    94.140.15.15
    2001:4860:4860::8888
    2001:4860:4860::8844
    2606:4700:4700::1111
    2606:4700:4700::1001
    2620:fe::fe
    2620:fe::9
    dns.google
    one.one.one.one
    dns.quad9.net

    [loopback and unspecified]
    127.0.0.0/8
    0.0.0.0/8
    ::1
    ::
    localhost
    *.localhost

    [private networks]
    10.0.0.0/8
    172.16.0.0/12
    192.168.0.0/16
    100.64.0.0/10
    169.254.0.0/16
    fc00::/7
    fe80::/10

    [documentation ranges and names]
    192.0.2.0/24
    198.51.100.0/24
    203.0.113.0/24
    2001:db8::/32
    *.example.com
    *.example.net
    *.example.org
    *.example
    *.test
    *.invalid

    [multicast and broadcast]
    224.0.0.0/4
    255.255.255.255
    ff00::/8

    [large CDNs and platforms]
    *.cloudfront.net
    *.akamai.net
    *.akamaiedge.net
    *.akamaihd.net
    *.akamaized.net
    *.edgekey.net
    *.edgesuite.net
    *.fastly.net
    *.fastlylb.net
    *.cloudflare.net
    *.azureedge.net
    *.msecnd.net
    *.gstatic.com
    *.googleapis.com
    google.com
    www.google.com
    microsoft.com
    www.microsoft.com
    *.windowsupdate.com
    *.update.microsoft.com
    apple.com
    www.apple.com

    [reference sites]
    *.welivesecurity.com
    *.virustotal.com
    *.misp-project.org
    attack.mitre.org
    cve.mitre.org
    nvd.nist.gov
    """
}
