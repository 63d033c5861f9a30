//! Rows of a row group assembled straight from its column chunks into JSON values.
//!
//! Parquet stores nested data one leaf column at a time, with definition and repetition
//! levels (the Dremel encoding, see the parquet-format spec, "Nested Encoding"). The `parquet`
//! crate's record API assembles rows into its own `Row`/`Field` tree, and `to_json_value` then
//! copies every string and key a second time. This module reads each leaf column of the group
//! in one go (typed values, definition and repetition levels) and builds each row's
//! `serde_json::Value` from them: one copy per string, no per-row key strings.
//!
//! The JSON has the record API's shape, value for value: structs are objects (fields in schema
//! order, `null` for a missing optional field), lists are arrays, integers and floats are
//! numbers (`NaN` and infinities are `null`), UTF8/ENUM/JSON byte arrays are strings. Schemas
//! with anything else (maps, legacy two-level lists, bare repeated fields, dates, timestamps,
//! decimals, raw bytes, INT96, fixed-length arrays) have no [`Plan`]; their rows are decoded by
//! the record API.

use parquet::basic::{ConvertedType, Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType};
use parquet::file::reader::RowGroupReader;
use parquet::schema::types::{SchemaDescriptor, Type};
use serde_json::{Map, Number, Value};

use super::ParquetReadError;

/// How the rows of a file with a given schema are assembled: the schema as a tree of
/// [`Node`]s over its leaf columns.
#[derive(Debug)]
pub struct Plan {
    /// The top-level fields, in schema order.
    fields: Vec<(String, Node)>,
    /// The leaf columns, in column order.
    leaves: Vec<LeafInfo>,
}

/// A leaf column: what its values are and its levels.
#[derive(Clone, Copy, Debug)]
struct LeafInfo {
    kind: Prim,
    max_def: i16,
    max_rep: i16,
}

/// A leaf's values as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prim {
    Bool,
    /// INT32 (plain, INT_8, INT_16, INT_32).
    Int32,
    /// INT32 as UINT_8, UINT_16, UINT_32.
    UInt32,
    /// INT64 (plain, INT_64).
    Int64,
    /// INT64 as UINT_64.
    UInt64,
    Float,
    Double,
    /// BYTE_ARRAY as UTF8, ENUM or JSON.
    Utf8,
}

/// One node of the schema: what it reads as, the definition level at which it is present,
/// and the leaf columns below it.
#[derive(Debug)]
struct Node {
    kind: Kind,
    /// The node is OPTIONAL: it is null where the definition level is below `def`.
    optional: bool,
    /// The definition level of the node itself.
    def: i16,
    /// The leaf columns below (or at) this node: `first_leaf..end_leaf`.
    first_leaf: usize,
    end_leaf: usize,
}

#[derive(Debug)]
enum Kind {
    Leaf,
    Struct(Vec<(String, Node)>),
    /// A LIST-annotated group in the standard three-level form.
    List {
        /// The repetition level of the repeated group: an entry at this level starts another
        /// element of this list.
        rep: i16,
        /// The definition level at which the list has at least one element.
        elem_def: i16,
        element: Box<Node>,
    },
}

impl Plan {
    /// The plan for `schema`, or `None` when it uses something this module does not assemble
    /// (see the module docs).
    pub fn of(schema: &SchemaDescriptor) -> Option<Plan> {
        let mut leaves = Vec::new();
        let fields = schema
            .root_schema()
            .get_fields()
            .iter()
            .map(|field| Some((field.name().to_owned(), node(field, 0, 0, &mut leaves)?)))
            .collect::<Option<Vec<_>>>()?;
        (leaves.len() == schema.num_columns()).then_some(Plan { fields, leaves })
    }

    /// The rows of one row group (read whole: each leaf column's values and levels at once).
    ///
    /// # Errors
    /// Pages that do not decode, a UTF8 value that is not UTF-8, or levels that do not fit the
    /// schema (a corrupt file).
    pub fn rows(&self, group: &dyn RowGroupReader) -> Result<Vec<Value>, ParquetReadError> {
        let n_rows = group.metadata().num_rows().max(0) as usize;
        let mut columns = self
            .leaves
            .iter()
            .enumerate()
            .map(|(idx, leaf)| Column::read(group, idx, *leaf, n_rows))
            .collect::<Result<Vec<_>, _>>()?;
        let mut rows = Vec::with_capacity(n_rows);
        for _ in 0..n_rows {
            let mut row = Map::with_capacity(self.fields.len());
            for (name, field) in &self.fields {
                row.insert(name.clone(), read(field, &mut columns, &self.leaves)?);
            }
            rows.push(Value::Object(row));
        }
        if let Some(column) = columns.iter().position(|c| c.pos < c.n_levels) {
            return Err(corrupt(column, "more levels than rows"));
        }
        Ok(rows)
    }
}

/// The node for `field`, whose parent is at definition level `def` and repetition level `rep`;
/// its leaves are appended to `leaves`.
fn node(field: &Type, def: i16, rep: i16, leaves: &mut Vec<LeafInfo>) -> Option<Node> {
    let info = field.get_basic_info();
    let optional = match info.repetition() {
        Repetition::OPTIONAL => true,
        Repetition::REQUIRED => false,
        Repetition::REPEATED => return None,
    };
    let def = def + i16::from(optional);
    let first_leaf = leaves.len();
    let kind = if field.is_primitive() {
        leaves.push(LeafInfo { kind: prim(field)?, max_def: def, max_rep: rep });
        Kind::Leaf
    } else {
        match info.converted_type() {
            ConvertedType::NONE => Kind::Struct(
                field
                    .get_fields()
                    .iter()
                    .map(|child| Some((child.name().to_owned(), node(child, def, rep, leaves)?)))
                    .collect::<Option<_>>()?,
            ),
            ConvertedType::LIST => {
                let [repeated] = field.get_fields() else { return None };
                let standard = repeated.is_group()
                    && repeated.get_basic_info().repetition() == Repetition::REPEATED
                    && repeated.get_basic_info().converted_type() == ConvertedType::NONE
                    && repeated.get_fields().len() == 1
                    && repeated.name() != "array"
                    && !repeated.name().ends_with("_tuple");
                if !standard {
                    return None;
                }
                let element = node(&repeated.get_fields()[0], def + 1, rep + 1, leaves)?;
                Kind::List { rep: rep + 1, elem_def: def + 1, element: Box::new(element) }
            }
            _ => return None,
        }
    };
    (leaves.len() > first_leaf).then_some(Node {
        kind,
        optional,
        def,
        first_leaf,
        end_leaf: leaves.len(),
    })
}

/// How a primitive field's values read as JSON, as the record API converts them.
fn prim(field: &Type) -> Option<Prim> {
    let converted = field.get_basic_info().converted_type();
    Some(match (field.get_physical_type(), converted) {
        (PhysicalType::BOOLEAN, ConvertedType::NONE) => Prim::Bool,
        (
            PhysicalType::INT32,
            ConvertedType::NONE
            | ConvertedType::INT_8
            | ConvertedType::INT_16
            | ConvertedType::INT_32,
        ) => Prim::Int32,
        (
            PhysicalType::INT32,
            ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32,
        ) => Prim::UInt32,
        (PhysicalType::INT64, ConvertedType::NONE | ConvertedType::INT_64) => Prim::Int64,
        (PhysicalType::INT64, ConvertedType::UINT_64) => Prim::UInt64,
        (PhysicalType::FLOAT, ConvertedType::NONE) => Prim::Float,
        (PhysicalType::DOUBLE, ConvertedType::NONE) => Prim::Double,
        (
            PhysicalType::BYTE_ARRAY,
            ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON,
        ) => Prim::Utf8,
        _ => return None,
    })
}

/// The decoded values of one leaf column.
enum Values {
    Bool(Vec<bool>),
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Bytes(Vec<ByteArray>),
}

/// One leaf column of a row group, read whole, and how far assembly has consumed it.
struct Column {
    /// Definition levels, one per entry (empty when the column's maximum is 0).
    defs: Vec<i16>,
    /// Repetition levels, one per entry (empty when the column's maximum is 0).
    reps: Vec<i16>,
    values: Values,
    n_levels: usize,
    /// The next entry.
    pos: usize,
    /// The next value (values exist only for entries at the maximum definition level).
    value_pos: usize,
}

impl Column {
    fn read(
        group: &dyn RowGroupReader,
        idx: usize,
        leaf: LeafInfo,
        n_rows: usize,
    ) -> Result<Column, ParquetReadError> {
        let mut defs = Vec::new();
        let mut reps = Vec::new();
        let reader = group.get_column_reader(idx)?;
        let defs_out = (leaf.max_def > 0).then_some(&mut defs);
        let reps_out = (leaf.max_rep > 0).then_some(&mut reps);
        let (values, levels) = match reader {
            ColumnReader::BoolColumnReader(r) => {
                read_all(r, n_rows, defs_out, reps_out, Values::Bool)?
            }
            ColumnReader::Int32ColumnReader(r) => {
                read_all(r, n_rows, defs_out, reps_out, Values::Int32)?
            }
            ColumnReader::Int64ColumnReader(r) => {
                read_all(r, n_rows, defs_out, reps_out, Values::Int64)?
            }
            ColumnReader::FloatColumnReader(r) => {
                read_all(r, n_rows, defs_out, reps_out, Values::Float)?
            }
            ColumnReader::DoubleColumnReader(r) => {
                read_all(r, n_rows, defs_out, reps_out, Values::Double)?
            }
            ColumnReader::ByteArrayColumnReader(r) => {
                read_all(r, n_rows, defs_out, reps_out, Values::Bytes)?
            }
            _ => return Err(corrupt(idx, "a column of an unexpected physical type")),
        };
        let n_levels = if leaf.max_def > 0 { defs.len() } else { levels };
        if leaf.max_rep > 0 && reps.len() != n_levels {
            return Err(corrupt(idx, "definition and repetition levels of different lengths"));
        }
        Ok(Column { defs, reps, values, n_levels, pos: 0, value_pos: 0 })
    }

    /// The definition level of the next entry; `None` past the end.
    fn def(&self, max_def: i16) -> Option<i16> {
        if self.pos >= self.n_levels {
            None
        } else if max_def == 0 {
            Some(0)
        } else {
            self.defs.get(self.pos).copied()
        }
    }

    /// The repetition level of the next entry (0 when the column has none); `None` past the
    /// end.
    fn rep(&self) -> Option<i16> {
        if self.pos >= self.n_levels {
            None
        } else {
            Some(self.reps.get(self.pos).copied().unwrap_or(0))
        }
    }

    /// Takes the next value as JSON.
    fn take(&mut self, kind: Prim, idx: usize) -> Result<Value, ParquetReadError> {
        let at = self.value_pos;
        self.value_pos += 1;
        let missing = || corrupt(idx, "fewer values than defined entries");
        Ok(match &mut self.values {
            Values::Bool(v) => Value::Bool(*v.get(at).ok_or_else(missing)?),
            Values::Int32(v) => {
                let n = *v.get(at).ok_or_else(missing)?;
                if kind == Prim::UInt32 {
                    Value::Number(Number::from(n as u32))
                } else {
                    Value::Number(Number::from(n))
                }
            }
            Values::Int64(v) => {
                let n = *v.get(at).ok_or_else(missing)?;
                if kind == Prim::UInt64 {
                    Value::Number(Number::from(n as u64))
                } else {
                    Value::Number(Number::from(n))
                }
            }
            Values::Float(v) => float(f64::from(*v.get(at).ok_or_else(missing)?)),
            Values::Double(v) => float(*v.get(at).ok_or_else(missing)?),
            Values::Bytes(v) => {
                let bytes = v.get(at).ok_or_else(missing)?.data();
                match std::str::from_utf8(bytes) {
                    Ok(text) => Value::String(text.to_owned()),
                    Err(err) => {
                        return Err(ParquetReadError(format!(
                            "column {idx}: a UTF8 value is not UTF-8 ({err})"
                        )))
                    }
                }
            }
        })
    }
}

/// Reads up to `n_rows` records of a typed column: its values (wrapped by `wrap`) and how many
/// entries (levels) it has.
fn read_all<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    n_rows: usize,
    defs: Option<&mut Vec<i16>>,
    reps: Option<&mut Vec<i16>>,
    wrap: fn(Vec<T::T>) -> Values,
) -> Result<(Values, usize), ParquetReadError> {
    let mut values = Vec::new();
    let (_, n_values, n_levels) = reader.read_records(n_rows, defs, reps, &mut values)?;
    Ok((wrap(values), n_levels.max(n_values)))
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
}

fn corrupt(column: usize, what: &str) -> ParquetReadError {
    ParquetReadError(format!("column {column}: {what} (corrupt levels)"))
}

/// Reads one value of `node` at the columns' current entries (its parent is present there).
fn read(
    node: &Node,
    columns: &mut [Column],
    leaves: &[LeafInfo],
) -> Result<Value, ParquetReadError> {
    let first = node.first_leaf;
    let def = columns[first]
        .def(leaves[first].max_def)
        .ok_or_else(|| corrupt(first, "fewer levels than rows"))?;
    if node.optional && def < node.def {
        skip(node, columns);
        return Ok(Value::Null);
    }
    match &node.kind {
        Kind::Leaf => {
            let column = &mut columns[first];
            column.pos += 1;
            if def >= leaves[first].max_def {
                column.take(leaves[first].kind, first)
            } else {
                Ok(Value::Null)
            }
        }
        Kind::Struct(fields) => {
            let mut object = Map::with_capacity(fields.len());
            for (name, child) in fields {
                object.insert(name.clone(), read(child, columns, leaves)?);
            }
            Ok(Value::Object(object))
        }
        Kind::List { rep, elem_def, element } => {
            if def < *elem_def {
                skip(node, columns);
                return Ok(Value::Array(Vec::new()));
            }
            let mut items = Vec::new();
            loop {
                items.push(read(element, columns, leaves)?);
                if columns[first].rep() != Some(*rep) {
                    break;
                }
            }
            Ok(Value::Array(items))
        }
    }
}

/// Passes over a null node or an empty list: one entry in each of its leaf columns.
fn skip(node: &Node, columns: &mut [Column]) {
    for column in &mut columns[node.first_leaf..node.end_leaf] {
        column.pos += 1;
    }
}

/// The assembled rows are checked against the values written and against the record API's
/// rows, for random rows of a schema with every kind of node, written with and without
/// dictionaries, in many small pages and several row groups.
#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use parquet::column::writer::ColumnWriter;
    use parquet::data_type::ByteArray;
    use parquet::file::properties::WriterProperties;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use parquet::schema::types::SchemaDescriptor;
    use serde_json::{json, Value};

    use super::{Kind, Node, Plan, Prim};

    const SCHEMA: &str = "message row {
        optional binary id (UTF8);
        required int64 n;
        optional int32 small (INT_8);
        optional int32 unsigned (UINT_32);
        optional int64 big_unsigned (UINT_64);
        optional double score;
        optional float ratio;
        optional boolean flag;
        optional int32 always_null;
        optional group messages (LIST) {
            repeated group list {
                optional group element {
                    optional binary role (UTF8);
                    optional binary content (UTF8);
                    optional group tool_calls (LIST) {
                        repeated group list {
                            required group element {
                                optional binary name (ENUM);
                                optional group function { optional binary arguments (JSON); }
                            }
                        }
                    }
                }
            }
        }
        required group meta {
            optional binary tag (UTF8);
            optional group grid (LIST) {
                repeated group list {
                    optional group element (LIST) {
                        repeated group list { optional int32 element; }
                    }
                }
            }
        }
        optional group tags (LIST) { repeated group list { required binary element (UTF8); } }
    }";

    /// xorshift64*: deterministic random numbers.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
        }
    }

    fn random_value(node: &Node, leaves: &[super::LeafInfo], rng: &mut Rng) -> Value {
        if node.optional && rng.below(4) == 0 {
            return Value::Null;
        }
        match &node.kind {
            Kind::Leaf => match leaves[node.first_leaf].kind {
                Prim::Bool => json!(rng.below(2) == 1),
                Prim::Int32 => json!(rng.below(256) as i64 - 128),
                Prim::UInt32 => json!(u32::MAX - rng.below(3) as u32),
                Prim::Int64 => json!(rng.below(1 << 40) as i64 - (1 << 39)),
                Prim::UInt64 => json!(u64::MAX - rng.below(3)),
                Prim::Float | Prim::Double => json!(rng.below(64) as f64 / 4.0),
                Prim::Utf8 => {
                    let texts = ["", "ls -la", "é ✓ \"quoted\" \\ \n", "<script>x</script>"];
                    json!(format!("{}{}", texts[rng.below(4) as usize], rng.below(1000)))
                }
            },
            Kind::Struct(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, child)| (name.clone(), random_value(child, leaves, rng)))
                    .collect(),
            ),
            Kind::List { element, .. } => Value::Array(
                (0..rng.below(4)).map(|_| random_value(element, leaves, rng)).collect(),
            ),
        }
    }

    /// One leaf column's entries as written: definition level, repetition level, value.
    type Entries = Vec<(i16, i16, Option<Value>)>;

    /// Dremel shredding of `value` into the leaf columns of `node`.
    fn shred(node: &Node, value: &Value, rep: i16, out: &mut [Entries]) {
        if value.is_null() {
            for leaf in &mut out[node.first_leaf..node.end_leaf] {
                leaf.push((node.def - 1, rep, None));
            }
            return;
        }
        match &node.kind {
            Kind::Leaf => out[node.first_leaf].push((node.def, rep, Some(value.clone()))),
            Kind::Struct(fields) => {
                for (name, child) in fields {
                    shred(child, &value[name.as_str()], rep, out);
                }
            }
            Kind::List { rep: list_rep, elem_def, element } => {
                let items = value.as_array().unwrap();
                if items.is_empty() {
                    for leaf in &mut out[node.first_leaf..node.end_leaf] {
                        leaf.push((elem_def - 1, rep, None));
                    }
                }
                for (idx, item) in items.iter().enumerate() {
                    shred(element, item, if idx == 0 { rep } else { *list_rep }, out);
                }
            }
        }
    }

    /// Writes `rows` (in groups of `group_rows`) as a parquet file.
    fn write(plan: &Plan, schema: &str, rows: &[Value], group_rows: usize, dict: bool) -> Bytes {
        let props = WriterProperties::builder()
            .set_dictionary_enabled(dict)
            .set_data_page_row_count_limit(3)
            .set_write_batch_size(2)
            .set_data_page_size_limit(64)
            .build();
        let schema = Arc::new(parse_message_type(schema).unwrap());
        let mut file = Vec::new();
        let mut writer = SerializedFileWriter::new(&mut file, schema, Arc::new(props)).unwrap();
        for chunk in rows.chunks(group_rows) {
            let mut columns = vec![Entries::new(); plan.leaves.len()];
            for row in chunk {
                for (name, field) in &plan.fields {
                    shred(field, &row[name.as_str()], 0, &mut columns);
                }
            }
            let mut group = writer.next_row_group().unwrap();
            for entries in &columns {
                let mut column = group.next_column().unwrap().unwrap();
                let defs: Vec<i16> = entries.iter().map(|e| e.0).collect();
                let reps: Vec<i16> = entries.iter().map(|e| e.1).collect();
                let values = entries.iter().filter_map(|e| e.2.as_ref());
                match column.untyped() {
                    ColumnWriter::BoolColumnWriter(w) => {
                        let v: Vec<bool> = values.map(|v| v.as_bool().unwrap()).collect();
                        w.write_batch(&v, Some(&defs), Some(&reps)).unwrap();
                    }
                    ColumnWriter::Int32ColumnWriter(w) => {
                        let v: Vec<i32> = values
                            .map(|v| {
                                v.as_i64().unwrap_or_else(|| v.as_u64().unwrap() as i64) as i32
                            })
                            .collect();
                        w.write_batch(&v, Some(&defs), Some(&reps)).unwrap();
                    }
                    ColumnWriter::Int64ColumnWriter(w) => {
                        let v: Vec<i64> = values
                            .map(|v| v.as_i64().unwrap_or_else(|| v.as_u64().unwrap() as i64))
                            .collect();
                        w.write_batch(&v, Some(&defs), Some(&reps)).unwrap();
                    }
                    ColumnWriter::FloatColumnWriter(w) => {
                        let v: Vec<f32> = values.map(|v| v.as_f64().unwrap() as f32).collect();
                        w.write_batch(&v, Some(&defs), Some(&reps)).unwrap();
                    }
                    ColumnWriter::DoubleColumnWriter(w) => {
                        let v: Vec<f64> = values.map(|v| v.as_f64().unwrap()).collect();
                        w.write_batch(&v, Some(&defs), Some(&reps)).unwrap();
                    }
                    ColumnWriter::ByteArrayColumnWriter(w) => {
                        let v: Vec<ByteArray> =
                            values.map(|v| ByteArray::from(v.as_str().unwrap())).collect();
                        w.write_batch(&v, Some(&defs), Some(&reps)).unwrap();
                    }
                    _ => unreachable!(),
                }
                column.close().unwrap();
            }
            group.close().unwrap();
        }
        writer.close().unwrap();
        Bytes::from(file)
    }

    fn plan_of(schema: &str) -> Option<Plan> {
        Plan::of(&SchemaDescriptor::new(Arc::new(parse_message_type(schema).unwrap())))
    }

    /// Each row group assembled and by the record API.
    fn both_ways(file: Bytes) -> (Vec<Value>, Vec<Value>) {
        let reader = SerializedFileReader::new(file).unwrap();
        let (mut assembled, mut records) = (Vec::new(), Vec::new());
        for idx in 0..reader.num_row_groups() {
            let group = reader.get_row_group(idx).unwrap();
            let plan = Plan::of(group.metadata().schema_descr()).unwrap();
            assembled.extend(plan.rows(&*group).unwrap());
            records.extend(super::super::record_rows(&*group).unwrap());
        }
        (assembled, records)
    }

    #[test]
    fn random_rows_read_back_as_written_and_as_the_record_api_reads_them() {
        let plan = plan_of(SCHEMA).unwrap();
        assert_eq!(plan.leaves.len(), 16);
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let n_rows = 1 + rng.below(25) as usize;
            let rows: Vec<Value> = (0..n_rows)
                .map(|_| {
                    Value::Object(
                        plan.fields
                            .iter()
                            .map(|(name, node)| {
                                (name.clone(), random_value(node, &plan.leaves, &mut rng))
                            })
                            .collect(),
                    )
                })
                .collect();
            let group_rows = 1 + rng.below(10) as usize;
            let file = write(&plan, SCHEMA, &rows, group_rows, seed % 2 == 0);
            let (assembled, records) = both_ways(file);
            assert_eq!(assembled, rows, "seed {seed}: assembled rows differ from the written");
            assert_eq!(
                assembled, records,
                "seed {seed}: assembled rows differ from the record API's"
            );
        }
    }

    #[test]
    fn schemas_outside_the_assembler_have_no_plan() {
        for schema in [
            "message m { optional group m (MAP) { repeated group key_value {
                required binary key (UTF8); optional int32 value; } } }",
            "message m { repeated int32 bare; }",
            "message m { optional group l (LIST) { repeated int32 element; } }",
            "message m { optional group l (LIST) { repeated group array { optional int32 x; } } }",
            "message m { optional group l (LIST) { repeated group e { optional int32 a; optional int32 b; } } }",
            "message m { optional int32 day (DATE); }",
            "message m { optional int64 at (TIMESTAMP_MILLIS); }",
            "message m { optional binary raw; }",
            "message m { optional int96 legacy; }",
            "message m { optional fixed_len_byte_array(16) id (DECIMAL(20, 2)); }",
        ] {
            assert!(plan_of(schema).is_none(), "{schema}");
        }
        assert!(plan_of("message m { optional binary s (UTF8); }").is_some());
    }

    #[test]
    fn a_utf8_value_that_is_not_utf8_is_an_error() {
        let schema = "message m { optional binary s (UTF8); }";
        let plan = plan_of(schema).unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut file = Vec::new();
        let mut writer = SerializedFileWriter::new(
            &mut file,
            Arc::new(parse_message_type(schema).unwrap()),
            props,
        )
        .unwrap();
        let mut group = writer.next_row_group().unwrap();
        let mut column = group.next_column().unwrap().unwrap();
        if let ColumnWriter::ByteArrayColumnWriter(w) = column.untyped() {
            w.write_batch(&[ByteArray::from(vec![b'a', 0xff])], Some(&[1]), None).unwrap();
        }
        column.close().unwrap();
        group.close().unwrap();
        writer.close().unwrap();
        let reader = SerializedFileReader::new(Bytes::from(file)).unwrap();
        let err = plan.rows(&*reader.get_row_group(0).unwrap()).unwrap_err();
        assert!(err.0.contains("not UTF-8"), "{err}");
    }
}
