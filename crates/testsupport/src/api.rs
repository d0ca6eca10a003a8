//! Bodies of the JSON API as tests send them, shared by the web and the command-line suites.

use serde_json::{Value, json};

/// A citizen applicant living in Xã Bảo Thắng (Lào Cai), as the API takes one.
pub fn citizen() -> Value {
    json!({
        "kind": "citizen",
        "name": "Nguyễn Thị Hằng",
        "id_number": "010190012345",
        "phone": "0912345678",
        "address_line": "Tổ dân phố 3",
        "commune_code": "02905",
        "address": "Tổ dân phố 3, xã Bảo Thắng, tỉnh Lào Cai"
    })
}

/// A dossier of `procedure` with the given components received at `receiving`'s counter, the
/// result returned there.
pub fn counter_intake(procedure: &str, receiving: &str, components: &[&str]) -> Value {
    json!({
        "procedure_code": procedure,
        "receiving": receiving,
        "applicant": citizen(),
        "components": components.iter().map(|c| json!({"component": c})).collect::<Vec<_>>(),
        "return_method": {"kind": "counter"}
    })
}
