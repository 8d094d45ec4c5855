//! Arbitrary bytes given as a CSV or Parquet file give a table or an error, never a panic.

use gongfu_io::{ColumnRequest, ReadOptions, column_names, read_columns};
use proptest::prelude::*;

fn requests() -> Vec<ColumnRequest> {
    vec![
        ColumnRequest::numeric("a"),
        ColumnRequest::key("b"),
        ColumnRequest::numeric("c"),
    ]
}

fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"a".to_vec()),
        Just(b"b".to_vec()),
        Just(b"c".to_vec()),
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"1.5".to_vec()),
        Just(b"-2e3".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b" ".to_vec()),
        prop::collection::vec(any::<u8>(), 0..4),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_as_csv(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, &bytes).unwrap();
        let _ = read_columns(&p, &requests(), &ReadOptions::default());
        let _ = column_names(&p, &ReadOptions::default());
    }

    #[test]
    fn csv_like_bytes(bytes in csv_like(), semicolon in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, &bytes).unwrap();
        let opts = ReadOptions { delimiter: if semicolon { b';' } else { b',' }, ..ReadOptions::default() };
        match read_columns(&p, &requests(), &opts) {
            Ok(t) => {
                prop_assert!(t.columns.iter().all(|c| c.len() == t.nrows));
                if let Some((codes, levels)) = t.columns[1].as_key() {
                    prop_assert!(codes.iter().all(|&c| (c as usize) < levels.len()));
                }
            }
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(!msg.contains('\n'));
                prop_assert!(msg.starts_with(&p.display().to_string()));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_as_parquet(bytes in prop::collection::vec(any::<u8>(), 0..512), magic in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.parquet");
        let mut data = bytes;
        if magic {
            data.splice(0..0, b"PAR1".iter().copied());
            data.extend_from_slice(b"PAR1");
        }
        std::fs::write(&p, &data).unwrap();
        prop_assert!(read_columns(&p, &requests(), &ReadOptions::default()).is_err());
        let _ = column_names(&p, &ReadOptions::default());
    }
}
