//! Step 2 of SigV4: the string to sign.
//!
//! ```text
//! AWS4-HMAC-SHA256 \n
//! <request time, YYYYMMDD'T'HHMMSS'Z', UTC> \n
//! <credential scope: YYYYMMDD/region/service/aws4_request> \n
//! <lowercase hex SHA-256 of the canonical request>
//! ```

use time::{OffsetDateTime, UtcOffset};

use super::signature::sha256_hex;

/// The algorithm name, first line of the string to sign and of the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The request time in the two forms SigV4 uses, always in UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// `YYYYMMDD'T'HHMMSS'Z'`: `x-amz-date` / `X-Amz-Date`.
    pub amz_date: String,
    /// `YYYYMMDD`: the first part of the credential scope and of the signing key.
    pub date: String,
}

impl Timestamp {
    /// Format `time` (any offset; converted to UTC, sub-second part dropped).
    pub fn new(time: OffsetDateTime) -> Self {
        let t = time.to_offset(UtcOffset::UTC);
        let date = format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day());
        let amz_date = format!("{date}T{:02}{:02}{:02}Z", t.hour(), t.minute(), t.second());
        Timestamp { amz_date, date }
    }
}

/// The credential scope `YYYYMMDD/region/service/aws4_request`.
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/aws4_request")
}

/// The string to sign for a canonical request made at `amz_date` within `scope`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_utc() {
        let t = Timestamp::new(datetime!(2013-05-24 02:00:00.999 +02:00));
        assert_eq!(t.amz_date, "20130524T000000Z");
        assert_eq!(t.date, "20130524");
        assert_eq!(Timestamp::new(datetime!(2015-08-30 12:36:00 UTC)).amz_date, "20150830T123600Z");
    }

    #[test]
    fn string_to_sign_of_the_aws_s3_get_object_example() {
        // "Signature Calculations for the Authorization Header", GET Object example.
        let canonical = "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
            x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let scope = credential_scope("20130524", "us-east-1", "s3");
        assert_eq!(scope, "20130524/us-east-1/s3/aws4_request");
        assert_eq!(
            string_to_sign("20130524T000000Z", &scope, canonical),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
    }
}
