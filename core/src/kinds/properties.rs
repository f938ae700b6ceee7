//! How a kind's properties are declared and read: the typed property consts (`Property::text`,
//! `::list`, `::flag`, …), the table rows they make, `KindProperties` and `kind_properties!`,
//! which declares a kind's typed properties once.

use crate::arns::FromChecked;
use crate::spec::KindReader;
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// How a property's value is read and checked.
#[derive(Debug, Clone, Copy)]
pub enum Form {
    /// A string (CloudFormation sends every scalar as one), checked by the function.
    Text(fn(&str) -> Result<(), String>),
    /// An ARN, checked by the function; it must also be in the stack's partition.
    Arn(fn(&str) -> Result<(), String>),
    /// `true` or `false` in any case, as a string or a JSON boolean; absent is false.
    Flag,
    /// A list of strings, each checked by the function; no entry twice.
    List(fn(&str) -> Result<(), String>),
    /// A list of ARNs, each checked by the function and in the stack's partition; no entry
    /// twice.
    ArnList(fn(&str) -> Result<(), String>),
}

/// One property a kind takes under `Roles.<Kind>`.
#[derive(Debug, Clone, Copy)]
pub struct Property {
    /// The name under `Roles.<Kind>`.
    pub name: &'static str,
    /// Whether leaving it out is an input error.
    pub required: bool,
    /// How its value is read and checked.
    pub form: Form,
    /// The property's key in the spec's fingerprint (`Spec::fingerprint`): its name, except
    /// where fingerprints have recorded it under another, which must stay so that they do not
    /// move.
    pub fingerprint_key: &'static str,
}

/// A check of one value: Ok, or what is wrong with it.
pub type Check = fn(&str) -> Result<(), String>;

/// A property whose value is checked, read as one string (`TextProperty`, `KindReader::text`)
/// or as a list of strings (`ListProperty`, `KindReader::list`: no entry twice, and a required
/// list names at least one), each becoming a `T` (a `String`, or an ARN newtype whose own
/// check it is). Its type says how it is read and what it becomes, so a kind cannot read a list
/// as a text, nor a principal's ARN into a policy's.
#[derive(Debug)]
pub struct CheckedProperty<S, T = String> {
    /// The name under `Roles.<Kind>`.
    pub name: &'static str,
    /// Whether leaving it out is an input error.
    pub required: bool,
    /// The check of its value (of each entry, for a list).
    pub check: Check,
    /// Whether the value (each entry) is an ARN, and so must be in the stack's partition.
    pub arn: bool,
    /// Its key in the fingerprint (`Property::fingerprint_key`).
    pub fingerprint_key: &'static str,
    shape: PhantomData<(S, fn() -> T)>,
}

// Not derived: a derive would ask `T: Copy`, and only the marker is of `T`.
impl<S, T> Clone for CheckedProperty<S, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S, T> Copy for CheckedProperty<S, T> {}

/// An ARN newtype (`crate::arns`): the check an ARN property of it gets.
pub trait ArnType {
    /// The check of one ARN of this type.
    const CHECK: Check;
}

/// How a `CheckedProperty` is read.
pub trait Shape {
    /// Whether it is a list.
    const LIST: bool;
}

/// One string.
#[derive(Debug, Clone, Copy)]
pub struct One;

/// A list of strings.
#[derive(Debug, Clone, Copy)]
pub struct Many;

impl Shape for One {
    const LIST: bool = false;
}

impl Shape for Many {
    const LIST: bool = true;
}

/// A property read as one string, or one ARN of type `T`.
pub type TextProperty<T = String> = CheckedProperty<One, T>;
/// A property read as a list of strings, or of ARNs of type `T`.
pub type ListProperty<T = String> = CheckedProperty<Many, T>;

/// A property read as `true` or `false`, absent being false (`KindReader::flag`).
#[derive(Debug, Clone, Copy)]
pub struct FlagProperty {
    /// The name under `Roles.<Kind>`.
    pub name: &'static str,
    /// Its key in the fingerprint (`Property::fingerprint_key`).
    pub fingerprint_key: &'static str,
}

impl Property {
    /// An optional string, checked by `check`.
    pub const fn text(name: &'static str, check: Check) -> TextProperty {
        CheckedProperty::new(name, check, false)
    }

    /// An optional ARN of type `T`, checked by `T`'s check and required to be in the stack's
    /// partition.
    pub const fn arn<T: ArnType>(name: &'static str) -> TextProperty<T> {
        CheckedProperty::new(name, T::CHECK, true)
    }

    /// An optional list of strings, each checked by `check`.
    pub const fn list(name: &'static str, check: Check) -> ListProperty {
        CheckedProperty::new(name, check, false)
    }

    /// An optional list of ARNs of type `T`, each checked by `T`'s check and required to be in
    /// the stack's partition.
    pub const fn arn_list<T: ArnType>(name: &'static str) -> ListProperty<T> {
        CheckedProperty::new(name, T::CHECK, true)
    }

    /// An optional `true`/`false`; absent is false.
    pub const fn flag(name: &'static str) -> FlagProperty {
        FlagProperty {
            name,
            fingerprint_key: name,
        }
    }
}

impl<S: Shape, T> CheckedProperty<S, T> {
    const fn new(name: &'static str, check: Check, arn: bool) -> Self {
        CheckedProperty {
            name,
            required: false,
            check,
            arn,
            fingerprint_key: name,
            shape: PhantomData,
        }
    }

    /// The same property, required (a list: it must name at least one entry).
    pub const fn required(self) -> Self {
        CheckedProperty {
            required: true,
            ..self
        }
    }

    /// The same property, recorded in the fingerprint under `key` (the name fingerprints have
    /// always given it).
    pub const fn fingerprint_key(self, key: &'static str) -> Self {
        CheckedProperty {
            fingerprint_key: key,
            ..self
        }
    }

    /// Its row in a kind's table of properties.
    pub const fn property(self) -> Property {
        let form = match (S::LIST, self.arn) {
            (false, false) => Form::Text(self.check),
            (false, true) => Form::Arn(self.check),
            (true, false) => Form::List(self.check),
            (true, true) => Form::ArnList(self.check),
        };
        Property {
            name: self.name,
            required: self.required,
            form,
            fingerprint_key: self.fingerprint_key,
        }
    }
}

impl FlagProperty {
    /// Its row in a kind's table of properties.
    pub const fn property(self) -> Property {
        Property {
            name: self.name,
            required: false,
            form: Form::Flag,
            fingerprint_key: self.fingerprint_key,
        }
    }
}

/// A kind's typed properties, as `kind_properties!` declares them: the table of their names and
/// forms, the parser and the fingerprint come from one declaration, so they cannot disagree.
pub trait KindProperties: Sized {
    /// Its properties besides `RoleName` (which every kind with a role takes), in the order they
    /// are read.
    const PROPERTIES: &'static [Property];

    /// Reads every property of `PROPERTIES` once (whatever the others hold); None when one is
    /// invalid, which the reader has recorded.
    fn parse(properties: &mut KindReader) -> Option<Self>;

    /// The typed values under their properties' fingerprint keys (`Property::fingerprint_key`),
    /// those absent (or empty where empty is the default) left out: `Spec::fingerprint`'s part.
    fn fingerprint(&self) -> Map<String, Value>;
}

/// How a typed property value is written in the fingerprint: as the text (or list of texts,
/// or boolean) it was read from.
pub trait PropertyValue {
    /// The value as JSON.
    fn property_value(&self) -> Value;
}

impl PropertyValue for String {
    fn property_value(&self) -> Value {
        Value::from(self.as_str())
    }
}

impl PropertyValue for bool {
    fn property_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl<T: PropertyValue> PropertyValue for Vec<T> {
    fn property_value(&self) -> Value {
        Value::Array(self.iter().map(PropertyValue::property_value).collect())
    }
}

/// Declares a kind's typed properties once: the struct and its `KindProperties` (the table of
/// its properties, the parser that reads each of them once into its field, and the fingerprint
/// of the typed values), so they cannot disagree. Each field says how it is read: `text`
/// (`Option<T>`), `required_text` (`T`), `flag` (`bool`), `list` (`Vec<T>`), `list_or_empty`
/// (`Vec<T>`, empty when absent), `optional_list` (`Option<Vec<T>>`), where `T` is `String` or an
/// ARN newtype (`crate::arns`), or `enum_list` (`Vec<E>` of an enum that parses from exactly the
/// names the property's check accepts and writes them back, `PropertyValue`). `required_text`,
/// `list` and `enum_list` need a `.required()` property (the compiler checks it).
macro_rules! kind_properties {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident : $type:ty = $how:ident($property:expr) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $type ),*
        }

        impl $crate::kinds::KindProperties for $name {
            const PROPERTIES: &'static [$crate::kinds::Property] = &[$($property.property()),*];

            // A kind may have no property but `RoleName`, which is read for it.
            #[allow(unused_variables)]
            fn parse(properties: &mut $crate::spec::KindReader) -> Option<Self> {
                $( let $field = $crate::kinds::read_property!($how, properties, &$property); )*
                Some($name { $( $field: $field? ),* })
            }

            #[allow(unused_mut)]
            fn fingerprint(&self) -> serde_json::Map<String, serde_json::Value> {
                let mut values = serde_json::Map::new();
                $(
                    let value = $crate::kinds::fingerprint_value!($how, &self.$field);
                    if let Some(value) = value {
                        values.insert($property.fingerprint_key.to_string(), value);
                    }
                )*
                values
            }
        }
    };
}

/// One field of `kind_properties!` in the fingerprint, as its form says: None when absent (or
/// empty, for a list whose absence means empty).
macro_rules! fingerprint_value {
    (text, $value:expr) => {
        $value
            .as_ref()
            .map($crate::kinds::PropertyValue::property_value)
    };
    (optional_list, $value:expr) => {
        $value
            .as_ref()
            .map($crate::kinds::PropertyValue::property_value)
    };
    (list_or_empty, $value:expr) => {
        (!$value.is_empty()).then(|| $crate::kinds::PropertyValue::property_value($value))
    };
    ($required:ident, $value:expr) => {
        Some($crate::kinds::PropertyValue::property_value($value))
    };
}
pub(crate) use fingerprint_value;

/// One field of `kind_properties!`, read as its form says: Some(value), or None when invalid.
/// Texts become the property's type (`typed`: a `String`, or an ARN newtype), which must be the
/// field's.
macro_rules! read_property {
    (text, $reader:ident, $property:expr) => {
        Some(
            $reader
                .text($property)
                .map(|text| $crate::kinds::typed($property, text)),
        )
    };
    (required_text, $reader:ident, $property:expr) => {{
        // Absent, it would be None with no error recorded, and the kind would vanish.
        const _: () = assert!(
            $property.required,
            "required_text needs a .required() property"
        );
        $reader
            .text($property)
            .map(|text| $crate::kinds::typed($property, text))
    }};
    (flag, $reader:ident, $property:expr) => {
        Some($reader.flag($property))
    };
    (list, $reader:ident, $property:expr) => {{
        const _: () = assert!($property.required, "list needs a .required() property");
        $reader
            .list($property)
            .map(|items| $crate::kinds::typed_items($property, items))
    }};
    (list_or_empty, $reader:ident, $property:expr) => {{
        let present = $reader.has($property.name);
        match $reader.list($property) {
            Some(items) => Some($crate::kinds::typed_items($property, items)),
            None if present => None,
            None => Some(vec![]),
        }
    }};
    (enum_list, $reader:ident, $property:expr) => {{
        const _: () = assert!($property.required, "enum_list needs a .required() property");
        let property: &$crate::kinds::ListProperty<String> = $property;
        $reader.list(property).map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    // Each entry passed the property's check, which accepts exactly the enum's
                    // names.
                    let parsed = item.parse().ok();
                    debug_assert!(
                        parsed.is_some(),
                        "{item:?} passed the check but does not parse"
                    );
                    parsed
                })
                .collect()
        })
    }};
    (optional_list, $reader:ident, $property:expr) => {{
        let present = $reader.has($property.name);
        let items = $reader.list($property);
        if present && items.is_none() {
            None
        } else {
            Some(items.map(|items| $crate::kinds::typed_items($property, items)))
        }
    }};
}

/// A value that passed `property`'s check, as the property's type (and so the field's: the
/// compiler refuses a field of another type).
pub(crate) fn typed<S, T: FromChecked>(_property: &CheckedProperty<S, T>, text: String) -> T {
    T::from_checked(text)
}

/// A list's entries, each of which passed `property`'s check, as the property's type.
pub(crate) fn typed_items<T: FromChecked>(
    _property: &CheckedProperty<Many, T>,
    items: Vec<String>,
) -> Vec<T> {
    items.into_iter().map(T::from_checked).collect()
}
pub(crate) use read_property;
