//! Navigation links: how a parent's phone hands a walk to a map app. Each app wants its own
//! coordinate system and URL, and each link is the app's documented web URI API, which opens
//! the app where it is installed and its web map where not: AMap (高德, uri.amap.com) takes
//! GCJ-02, Baidu (百度, api.map.baidu.com) BD-09, Tencent (腾讯, apis.map.qq.com) GCJ-02.
//! Positions go out to 1e-6 degrees (about 0.1 m); Baidu and Tencent write them
//! latitude first.

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

/// Who we are to the apps that ask: Baidu's `src` (its documented rule is
/// `webapp.companyName.appName`) and Tencent's `referer` (the application's name or key).
pub const BAIDU_SRC: &str = "webapp.nestmap.nestmap";
/// Tencent's `referer`: see [`BAIDU_SRC`].
pub const TENCENT_REFERER: &str = "nestmap";

/// Baidu's walking directions from `from_bd09` to `to_bd09` (both `[lon, lat]` BD-09) named
/// `name`: `https://api.map.baidu.com/direction` with its required `origin`,
/// `destination`, `mode=walking`, `output=html` and `src`, and `coord_type=bd09ll` said
/// explicitly. `origin` is required by the web API: the query point. A `|` in the name
/// (Baidu's field separator) is written as `/`.
pub fn baidu_walk(from_bd09: [f64; 2], to_bd09: [f64; 2], name: &str) -> String {
    let mut link = String::with_capacity(160 + 3 * name.len());
    link.push_str("https://api.map.baidu.com/direction?origin=");
    form_encode(
        &mut link,
        &format!("latlng:{:.6},{:.6}", from_bd09[1], from_bd09[0]),
    );
    link.push_str("&destination=");
    let name = name.replace('|', "/");
    let dest = if name.is_empty() {
        format!("latlng:{:.6},{:.6}", to_bd09[1], to_bd09[0])
    } else {
        format!("latlng:{:.6},{:.6}|name:{name}", to_bd09[1], to_bd09[0])
    };
    form_encode(&mut link, &dest);
    link.push_str("&mode=walking&coord_type=bd09ll&output=html&src=");
    form_encode(&mut link, BAIDU_SRC);
    link
}

/// Tencent's walking route plan to `gcj02` (`[lon, lat]` GCJ-02, Tencent's own system:
/// `coord_type=2`) named `name`: `https://apis.map.qq.com/uri/v1/routeplan` with
/// `type=walk`, `to`, `tocoord` (latitude first) and the required `referer`. No start: the
/// phone's own position, as the API does on a phone when none is given.
pub fn tencent_walk(gcj02: [f64; 2], name: &str) -> String {
    let mut link = String::with_capacity(128 + 3 * name.len());
    link.push_str("https://apis.map.qq.com/uri/v1/routeplan?type=walk&to=");
    form_encode(&mut link, if name.is_empty() { "终点" } else { name });
    link.push_str("&tocoord=");
    form_encode(&mut link, &format!("{:.6},{:.6}", gcj02[1], gcj02[0]));
    link.push_str("&coord_type=2&referer=");
    form_encode(&mut link, TENCENT_REFERER);
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

    #[test]
    fn baidu_keeps_its_field_separator_out_of_the_name_and_tencent_names_an_unnamed_target() {
        let link = baidu_walk([120.0, 31.0], [120.5, 31.5], "A|B 室");
        let q = link
            .strip_prefix("https://api.map.baidu.com/direction?")
            .unwrap();
        let decoded: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap();
        assert_eq!(
            decoded[0],
            ("origin".into(), "latlng:31.000000,120.000000".into())
        );
        assert_eq!(
            decoded[1],
            (
                "destination".into(),
                "latlng:31.500000,120.500000|name:A/B 室".into()
            )
        );
        let link = tencent_walk([120.5, 31.5], "");
        let q = link
            .strip_prefix("https://apis.map.qq.com/uri/v1/routeplan?")
            .unwrap();
        let decoded: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap();
        assert_eq!(decoded[1], ("to".into(), "终点".into()));
        assert_eq!(
            decoded[2],
            ("tocoord".into(), "31.500000,120.500000".into())
        );
    }
}
