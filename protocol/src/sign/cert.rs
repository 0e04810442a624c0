//! §5.3 certificate mode (signType=1): the gateway signs with RSA, PKCS#1 v1.5 over
//! SHA-1 (what `allinpay-security-xxx.jar`'s `verify()` checks), `signMsg` in base64.

use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha1::{Digest, Sha1};

use crate::charset::Charset;
use crate::error::{CertError, VerifyError};
use crate::msgs::Message;

/// The gateway's public key, from its X.509 certificate (DER `.cer` or PEM).
///
/// Parsed with `rsa`/`x509-cert`; verified with `ring`, whose Montgomery arithmetic is
/// several times faster than `rsa` 0.9's (docs/performance.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayCert {
    key: RsaPublicKey,
    /// Big-endian modulus and exponent, as `ring` takes them.
    n: Vec<u8>,
    e: Vec<u8>,
}

impl GatewayCert {
    /// Loads an X.509 certificate in DER or PEM; a PEM `PUBLIC KEY` / `RSA PUBLIC KEY` is
    /// accepted too.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CertError> {
        use der::{Decode, Encode};
        use x509_cert::Certificate;

        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CertError::Empty);
        }
        let cert = if bytes.starts_with(b"-----") || bytes.trim_ascii_start().starts_with(b"-----")
        {
            let text = std::str::from_utf8(bytes).map_err(|_| CertError::NotACertificate)?;
            // PEM to DER first, then the slice decoder: der 0.7's PEM reader loops forever
            // on a truncated length (fuzz/regressions/certificate/pem-crlf-short-body-hang).
            let (label, der) = der::pem::decode_vec(text.trim().as_bytes())
                .map_err(|_| CertError::NotACertificate)?;
            match label {
                "CERTIFICATE" => {}
                "PUBLIC KEY" => return Self::from_spki_der(&der),
                "RSA PUBLIC KEY" => return Self::from_pkcs1_der(&der),
                _ => return Err(CertError::NotACertificate),
            }
            Certificate::from_der(&der).map_err(|_| CertError::NotACertificate)?
        } else {
            match Certificate::from_der(bytes) {
                Ok(c) => c,
                // A bare DER SubjectPublicKeyInfo (what `openssl pkey -pubout -outform DER`
                // writes) is a key without its certificate.
                Err(_) => {
                    return Self::from_spki_der(bytes).map_err(|e| match e {
                        CertError::NotRsa | CertError::KeySize { .. } => e,
                        _ => CertError::NotACertificate,
                    })
                }
            }
        };
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| CertError::NotACertificate)?;
        Self::from_spki_der(&spki)
    }

    /// A DER SubjectPublicKeyInfo holding an RSA key.
    fn from_spki_der(der: &[u8]) -> Result<Self, CertError> {
        use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
        let spki =
            SubjectPublicKeyInfoRef::try_from(der).map_err(|_| CertError::NotACertificate)?;
        if spki.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
            return Err(CertError::NotRsa);
        }
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or(CertError::NotRsa)?;
        Self::from_pkcs1_der(key)
    }

    /// A DER PKCS#1 RSAPublicKey. `rsa`'s own decoders stop at 4096 bits; ring verifies up
    /// to 8192, so the key is built with that bound.
    fn from_pkcs1_der(der: &[u8]) -> Result<Self, CertError> {
        use der::Decode;
        let k = rsa::pkcs1::RsaPublicKey::from_der(der).map_err(|_| CertError::NotRsa)?;
        let n = rsa::BigUint::from_bytes_be(k.modulus.as_bytes());
        let e = rsa::BigUint::from_bytes_be(k.public_exponent.as_bytes());
        let bits = n.bits();
        if !(1024..=8192).contains(&bits) {
            return Err(CertError::KeySize { bits });
        }
        let key = RsaPublicKey::new_with_max_size(n, e, 8192).map_err(|_| CertError::NotRsa)?;
        Self::from_key(key)
    }

    fn from_key(key: RsaPublicKey) -> Result<Self, CertError> {
        let bits = key.n().bits();
        // ring's legacy SHA-1 verifier takes 1024 to 8192 bits; the gateway's are 1024.
        if !(1024..=8192).contains(&bits) {
            return Err(CertError::KeySize { bits });
        }
        Ok(Self {
            n: key.n().to_bytes_be(),
            e: key.e().to_bytes_be(),
            key,
        })
    }

    /// The modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// Checks `sign_msg` (base64) over `signed` (RSA PKCS#1 v1.5, SHA-1).
    pub fn verify_bytes(&self, signed: &[u8], sign_msg: &str) -> Result<(), VerifyError> {
        if sign_msg.is_empty() {
            return Err(VerifyError::MissingSignature);
        }
        let sig = decode_base64_signature(sign_msg)?;
        let expected = self.key.size();
        if sig.len() != expected {
            return Err(VerifyError::RsaWrongLength {
                len: sig.len(),
                expected,
            });
        }
        // ring rebuilds the whole PKCS#1 v1.5 block (00 01 FF.. 00 DigestInfo hash) and
        // compares it, so Bleichenbacher-2006 garbage after the hash is rejected.
        let key = ring::signature::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        };
        key.verify(
            &ring::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            signed,
            &sig,
        )
        .map_err(|_| VerifyError::RsaMismatch)
    }

    /// Checks `sign_msg` over the UTF-8 sign source of `msg`, without the key (§2.2.3 in
    /// certificate mode).
    pub fn verify_sign_source<M: Message>(
        &self,
        msg: &M,
        sign_msg: &str,
    ) -> Result<(), VerifyError> {
        let mut source = Vec::with_capacity(512);
        crate::sign::feed_sign_source(msg, Charset::Utf8, |b| source.extend_from_slice(b))?;
        self.verify_bytes(&source, sign_msg)
    }
}

/// Decodes a base64 `signMsg`. Line breaks (the gateway folds long lines, §3.8's
/// examples) are ignored; anything else outside the alphabet is an error.
pub fn decode_base64_signature(sign_msg: &str) -> Result<Vec<u8>, VerifyError> {
    let mut compact = [0u8; 1400];
    let mut n = 0;
    for &b in sign_msg.as_bytes() {
        if b == b'\r' || b == b'\n' {
            continue;
        }
        if n == compact.len() {
            return Err(VerifyError::NotBase64);
        }
        compact[n] = b;
        n += 1;
    }
    base64::engine::general_purpose::STANDARD
        .decode(&compact[..n])
        .map_err(|_| VerifyError::NotBase64)
}

/// The signing side of the certificate mode, for test gateways and vector generation.
#[derive(Clone)]
pub struct GatewaySigner {
    key: RsaPrivateKey,
}

impl std::fmt::Debug for GatewaySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewaySigner(<redacted>)")
    }
}

impl GatewaySigner {
    /// Loads a PKCS#8 or PKCS#1 PEM private key.
    pub fn from_pem(pem: &str) -> Result<Self, CertError> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| CertError::BadPrivateKey)?;
        Ok(Self { key })
    }

    /// Signs `signed` (SHA-1, PKCS#1 v1.5) and returns base64.
    pub fn sign_bytes(&self, signed: &[u8]) -> Result<String, CertError> {
        let digest = Sha1::digest(signed);
        let sig = self
            .key
            .sign(Pkcs1v15Sign::new::<Sha1>(), &digest)
            .map_err(|_| CertError::SigningFailed)?;
        Ok(base64::engine::general_purpose::STANDARD.encode(sig))
    }

    /// Signs the UTF-8 sign source of a `name=value` message.
    pub fn sign_message<M: Message>(&self, msg: &M) -> Result<String, CertError> {
        self.sign_bytes(crate::sign::sign_source(msg).as_bytes())
    }

    /// Signs a text response: RSA over the hex MD5 of `text`.
    pub fn sign_text(&self, text: &[u8]) -> Result<String, CertError> {
        self.sign_bytes(crate::sign::text_digest(text).as_bytes())
    }
}
