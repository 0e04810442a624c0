//! §5.4 国际卡 MD5 摘要: the `ext1` value of an international-card payData.

use md5::{Digest, Md5};

use crate::charset::{self, Charset};
use crate::error::VerifyError;
use crate::msgs::{Message, PayRequest};
use crate::sign::Md5Hex;

/// `ext1value = MD5Encode(ship_to_country + ship_to_state + … + mdd18)`: the values
/// concatenated without separators or names, empty ones contributing nothing, in the
/// §5.4 order; uppercase hex (§5.4 refers to §5.2's MD5Encode).
pub fn ext1_digest(req: &PayRequest, charset: Charset) -> Result<Md5Hex, VerifyError> {
    let mut hasher = Md5::new();
    for &name in crate::msgs::EXT1_FIELDS {
        if let Some(v) = req.get(name) {
            if !charset::feed(charset, v, &mut |b| hasher.update(b)) {
                return Err(VerifyError::Unencodable {
                    field: PayRequest::DEF.field(name).map_or("ext1", |f| f.name),
                });
            }
        }
    }
    Ok(crate::sign::md5_hex_of(hasher))
}

/// The §5.4 `ext1src` text, for display.
pub fn ext1_source(req: &PayRequest) -> String {
    crate::msgs::EXT1_FIELDS
        .iter()
        .filter_map(|name| req.get(name))
        .collect()
}
