//! Người dân giả lập — a deterministic pseudo-random source and the names, numbers and addresses of
//! the generated applicants. Names mix Kinh and the ethnic groups of Lào Cai (Hmông, Dao, Tày,
//! Giáy); identity numbers carry a Lào Cai (010) or Yên Bái (015) birth-registration code.

/// xorshift64* — small, fast and reproducible; not for anything secret.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p` (0.0–1.0).
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// Uniform in `[lo, hi)`.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FAMILY: [&str; 16] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Lò", "Giàng", "Lý", "Sùng", "Vàng",
    "Hầu", "Tẩn", "Phàn", "Đặng",
];
const MIDDLE_MEN: [&str; 5] = ["Văn", "A", "Seo", "Đức", "Minh"];
const MIDDLE_WOMEN: [&str; 4] = ["Thị", "Thị", "Ngọc", "Thu"];
const GIVEN_MEN: [&str; 14] = [
    "Páo", "Hùng", "Chiến", "Sơn", "Dũng", "Hải", "Thắng", "Chứ", "Sử", "Tâm", "Quang", "Phú",
    "Lâm", "Khánh",
];
const GIVEN_WOMEN: [&str; 14] = [
    "Mai", "Lan", "Hoa", "Dung", "Mẩy", "Hương", "Nga", "Phương", "Linh", "Yến", "Sính", "Dợ",
    "Thảo", "Chi",
];
const VILLAGES: [&str; 12] = [
    "Thôn Cốc Sâm",
    "Thôn Phố Mới",
    "Tổ dân phố 1",
    "Tổ dân phố 4",
    "Thôn Làng Chung",
    "Thôn Tân Hồng",
    "Thôn Bản Lầu",
    "Thôn Hợp Xuân",
    "Tổ dân phố Cốc Lếu 2",
    "Thôn Sín Chải",
    "Thôn Lếch Cao",
    "Thôn Nậm Pung",
];

/// A generated applicant.
pub struct Person {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub address_line: String,
}

pub fn person(rng: &mut Rng) -> Person {
    let woman = rng.chance(0.5);
    let family = rng.pick(&FAMILY);
    let (middle, given) = if woman {
        (rng.pick(&MIDDLE_WOMEN), rng.pick(&GIVEN_WOMEN))
    } else {
        (rng.pick(&MIDDLE_MEN), rng.pick(&GIVEN_MEN))
    };
    let year = 1950 + rng.below(55);
    let century_sex = match (year >= 2000, woman) {
        (false, false) => 0,
        (false, true) => 1,
        (true, false) => 2,
        (true, true) => 3,
    };
    let province = if rng.chance(0.6) { "010" } else { "015" };
    let id_number = format!(
        "{province}{century_sex}{:02}{:06}",
        year % 100,
        rng.below(1_000_000)
    );
    let prefix = *rng.pick(&["091", "094", "098", "097", "086", "088", "035", "038"]);
    let phone = format!("{prefix}{:07}", rng.below(10_000_000));
    Person {
        name: format!("{family} {middle} {given}"),
        id_number,
        phone,
        address_line: rng.pick(&VILLAGES).to_string(),
    }
}
