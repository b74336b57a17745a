//! Navigation links: how a parent's phone hands a walk to a map app. Each app wants its own
//! coordinate system and URL: AMap (高德) takes GCJ-02; Baidu (BD-09) and Tencent (GCJ-02)
//! links go here beside it when the front end offers them.

/// `application/x-www-form-urlencoded` (as `serde_urlencoded` writes it): ASCII letters,
/// digits and `*-._` kept, space as `+`, every other byte `%XX`.
fn form_encode(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// AMap's walking navigation to `gcj02` (`[lon, lat]` GCJ-02) named `name`, opening the app
/// when installed (`callnative=1`): the URI API of uri.amap.com, positions to 1e-6 degrees.
pub fn amap_walk(gcj02: [f64; 2], name: &str) -> String {
    let mut link = String::with_capacity(96 + 3 * name.len());
    link.push_str("https://uri.amap.com/navigation?to=");
    form_encode(
        &mut link,
        &format!("{:.6},{:.6},{name}", gcj02[0], gcj02[1]),
    );
    link.push_str("&mode=walk&coordinate=gaode&callnative=1");
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_and_position_are_form_encoded() {
        let link = amap_walk([120.123_456_78, 31.4], "母婴室 A&B");
        let to = link
            .strip_prefix("https://uri.amap.com/navigation?to=")
            .and_then(|r| r.strip_suffix("&mode=walk&coordinate=gaode&callnative=1"))
            .unwrap();
        // Decoded by an independent decoder (serde_urlencoded), it is the plain text.
        let decoded: Vec<(String, String)> =
            serde_urlencoded::from_str(&format!("to={to}")).unwrap();
        assert_eq!(decoded[0].1, "120.123457,31.400000,母婴室 A&B");
        assert!(!to.contains(' ') && !to.contains('&'));
    }
}
