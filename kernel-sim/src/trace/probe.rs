//! Reading one field of a trace event by its name, so that which IRP and which thread
//! an event concerns follows from how the event is written, not from a match kept by
//! hand beside it: an event concerns the IRP in its field named `irp` and the thread in
//! its field named `thread`. A new event gets both for free by naming its fields so.
//!
//! The event is walked with serde, as the JSON output walks it, by a serializer that
//! looks at field names only and reads the one asked for; nothing is allocated.

use serde::ser::{self, Impossible, Serialize};
use std::fmt;

/// The value of `value`'s field named `field`, if it has one holding an id (a number,
/// or a newtype or `Some` around one).
pub(crate) fn id_field<T: Serialize>(value: &T, field: &'static str) -> Option<u64> {
    let mut probe = Probe { field, found: None };
    // A value serde cannot walk (an event a device lays out itself) has no such field.
    value.serialize(&mut probe).ok()?;
    probe.found
}

struct Probe {
    field: &'static str,
    found: Option<u64>,
}

/// Ends a walk early; never shown to anyone.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an id")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop
    }
}

/// Everything but a struct is not an event: the walk stops.
macro_rules! stop {
    ($($name:ident($($ty:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $ty),*) -> Result<Self::Ok, Self::Error> { Err(Stop) })*
    };
}

impl ser::Serializer for &mut Probe {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    stop!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Stop> {
        Err(Stop)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }
}

impl Probe {
    fn field<T: ?Sized + Serialize>(&mut self, key: &'static str, value: &T) {
        if key == self.field && self.found.is_none() {
            self.found = value.serialize(IdValue).ok().flatten();
        }
    }
}

impl ser::SerializeStruct for &mut Probe {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.field(key, value);
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Probe {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.field(key, value);
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

/// Reads an id: an unsigned number, possibly inside a newtype (`IrpId(7)`) or an
/// `Option` (`None` reads as no id).
struct IdValue;

impl ser::Serializer for IdValue {
    type Ok = Option<u64>;
    type Error = Stop;
    type SerializeSeq = Impossible<Option<u64>, Stop>;
    type SerializeTuple = Impossible<Option<u64>, Stop>;
    type SerializeTupleStruct = Impossible<Option<u64>, Stop>;
    type SerializeTupleVariant = Impossible<Option<u64>, Stop>;
    type SerializeMap = Impossible<Option<u64>, Stop>;
    type SerializeStruct = Impossible<Option<u64>, Stop>;
    type SerializeStructVariant = Impossible<Option<u64>, Stop>;

    stop!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_u8(self, v: u8) -> Result<Option<u64>, Stop> {
        Ok(Some(v.into()))
    }

    fn serialize_u16(self, v: u16) -> Result<Option<u64>, Stop> {
        Ok(Some(v.into()))
    }

    fn serialize_u32(self, v: u32) -> Result<Option<u64>, Stop> {
        Ok(Some(v.into()))
    }

    fn serialize_u64(self, v: u64) -> Result<Option<u64>, Stop> {
        Ok(Some(v))
    }

    fn serialize_none(self) -> Result<Option<u64>, Stop> {
        Ok(None)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<Option<u64>, Stop> {
        v.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Option<u64>, Stop> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Option<u64>, Stop> {
        Err(Stop)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop)
    }
}
