//! Crate docs mentioning struct NotAType { x: u8 } in a comment.
#![allow(dead_code)]

use std::collections::{HashMap, BTreeSet};

/* block comment /* nested struct AlsoNotAType; */ still comment enum Nope {} */

/// A sensor reading.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    pub id: u64,
    #[serde(rename = "ts")]
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub(crate) values: Vec<f64>,
    label: Option<String>,
    tags: HashMap<String, Vec<String>>,
    sensor: Sensor,
    callback: Box<dyn Fn(u8) -> Result<(), String> + Send>,
}

pub struct Sensor(pub u32, String);

pub struct Marker;

#[repr(u8)]
pub enum Level {
    Low = 1,
    High = 2,
}

pub enum Message<'a, T: Clone + 'a> where T: Send {
    Quit,
    Move { x: i32, y: i32 },
    Write(&'a str),
    Batch(Vec<T>, Option<Reading>),
}

pub struct Wrapper<T, const N: usize>
where
    T: Default,
{
    items: [T; N],
    raw: &'static str,
}

pub struct Pair<A, B>(A, B) where A: Copy;

impl Reading {
    pub fn new() -> Self {
        struct InsideFunction { x: u8 }   // not a data structure of the crate's model
        let s = "struct InString { }";
        let r = r#"enum InRawString { A } "quoted" "#;
        let c = '{';
        let d = '"';
        let lifetime_like: &'static str = "x";
        todo!()
    }
}

macro_rules! make_struct {
    ($name:ident) => { struct $name { field: u8 } };
}

make_struct!(Generated);

lazy_static::lazy_static! {
    static ref TABLE: Vec<u8> = vec![];
}

mod inner {
    pub mod deeper {
        #[derive(PartialEq)]
        pub struct Node {
            pub children: Vec<Node>,
            pub parent_id: Option<u64>,
        }
    }

    pub union Bits {
        i: u32,
        f: f32,
    }
}

mod declared_elsewhere;

trait Shape {
    fn area(&self) -> f64;
}

pub struct r#Match {
    r#type: String,
}

const LIMIT: usize = 10;
static NAME: &str = "enum NotAnEnum {}";
type Alias = HashMap<u8, u8>;
