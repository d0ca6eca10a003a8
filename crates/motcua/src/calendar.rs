//! `motcua calendar …` — lets officers and administrators check the working calendar from a shell:
//! the holidays of a year, an appointment date, a lunar date, one day; and measures its speed.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use clap::{Args, Subcommand};
use lich::time::{parse_date, parse_instant, parse_time, to_vn, vn_instant, weekday_vi};
use lich::{
    AgencySettings, Calendar, DayInfo, DeadlineRules, HolidayData, Limit, LunarDate, WorkCalendar,
    lunar,
};
use serde_json::json;

use crate::BadInput;

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Ngày nghỉ lễ, Tết, nghỉ bù, nghỉ hoán đổi và ngày làm bù của một năm.
    Holidays {
        /// Năm, ví dụ 2027.
        year: String,
        #[command(flatten)]
        source: Source,
        /// In ra JSON: mảng các {date, name, kind, working}.
        #[arg(long)]
        json: bool,
    },
    /// Tính ngày hẹn trả từ thời điểm tiếp nhận và thời hạn giải quyết.
    Due {
        /// Thời điểm tiếp nhận (giờ Việt Nam), ví dụ "2027-02-03 09:15".
        #[arg(long)]
        received: String,
        /// Thời hạn như trong danh mục thủ tục: "5 ngày làm việc", "15 ngày", "8 giờ làm việc",
        /// "24 giờ", "3 tháng", "trong ngày".
        #[arg(long)]
        limit: String,
        /// Cách tính hẹn trả: whole-days (trọn ngày làm việc, mặc định) hoặc working-hours
        /// (cộng giờ làm việc từ lúc tiếp nhận).
        #[arg(long)]
        mode: Option<String>,
        /// Giờ chốt tiếp nhận cho thủ tục trả trong ngày (mặc định 15:00).
        #[arg(long)]
        cutoff: Option<String>,
        /// Giờ hết hạn: end-of-office (hết giờ làm việc, mặc định) hoặc end-of-day (24 giờ).
        #[arg(long = "due-at")]
        due_at: Option<String>,
        /// Thời hạn ghi "giờ": working (giờ làm việc, mặc định) hoặc wall-clock (giờ liên tục).
        #[arg(long = "plain-hours")]
        plain_hours: Option<String>,
        #[command(flatten)]
        source: Source,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ngày âm lịch và Can Chi của một ngày dương lịch.
    Lunar {
        /// Ngày dương lịch, ví dụ 2030-02-02 hoặc 02/02/2030.
        date: String,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Ngày dương lịch của một ngày âm lịch.
    Solar {
        /// Ngày âm lịch dạng ngày/tháng/năm, ví dụ 10/3/2031.
        lunar: String,
        /// Ngày thuộc tháng nhuận.
        #[arg(long)]
        leap: bool,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Một ngày có phải ngày làm việc không, vì sao, và ngày làm việc liền trước, liền sau.
    Day {
        /// Ngày dương lịch, ví dụ 2026-11-24.
        date: String,
        #[command(flatten)]
        source: Source,
        /// In ra JSON.
        #[arg(long)]
        json: bool,
    },
    /// Đo tốc độ tính hạn giải quyết (số phép tính mỗi giây, một luồng).
    Bench {
        /// Thời gian đo, giây.
        #[arg(long, default_value = "3")]
        seconds: String,
    },
}

/// Where the calendar comes from: the built-in data, plus optional files.
#[derive(Debug, Args)]
pub struct Source {
    /// Tệp dữ liệu ngày nghỉ bổ sung (TOML cùng cấu trúc với dữ liệu tích hợp), ví dụ quyết
    /// định nghỉ Tết của một năm mới.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Tệp lịch của cơ quan (TOML): giờ làm việc, tiếp nhận sáng thứ Bảy, ngày tạm ngừng làm việc,
    /// quy tắc tính hạn mặc định.
    #[arg(long, value_name = "FILE")]
    agency: Option<PathBuf>,
}

impl Source {
    fn load(&self) -> Result<(WorkCalendar, AgencySettings)> {
        let mut data = HolidayData::embedded();
        if let Some(path) = &self.data {
            data = data
                .overlay(&read(path)?, &path.display().to_string())
                .map_err(BadInput::from)?;
        }
        let settings = match &self.agency {
            Some(path) => AgencySettings::parse(&read(path)?, &path.display().to_string())
                .map_err(BadInput::from)?,
            None => AgencySettings::default(),
        };
        let calendar = WorkCalendar::new(Arc::new(Calendar::new(data)), &settings);
        Ok((calendar, settings))
    }
}

fn read(path: &PathBuf) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(crate::os)
        .map_err(|e| BadInput(format!("không đọc được tệp \"{}\": {e}", path.display())).into())
}

pub fn run(cmd: CalendarCommand) -> Result<()> {
    match cmd {
        CalendarCommand::Holidays { year, source, json } => holidays(&year, &source, json),
        CalendarCommand::Due {
            received,
            limit,
            mode,
            cutoff,
            due_at,
            plain_hours,
            source,
            json,
        } => {
            let (calendar, settings) = source.load()?;
            let mut rules = settings.deadline;
            if let Some(m) = mode {
                rules.mode = m.parse().map_err(BadInput::from)?;
            }
            if let Some(c) = cutoff {
                rules.same_day_cutoff = parse_time(&c).map_err(BadInput::from)?;
            }
            if let Some(a) = due_at {
                rules.due_at = a.parse().map_err(BadInput::from)?;
            }
            if let Some(h) = plain_hours {
                rules.plain_hours = h.parse().map_err(BadInput::from)?;
            }
            due(&calendar, &received, &limit, &rules, json)
        }
        CalendarCommand::Lunar { date, json } => lunar_of(&date, json),
        CalendarCommand::Solar { lunar, leap, json } => solar_of(&lunar, leap, json),
        CalendarCommand::Day { date, source, json } => day(&date, &source, json),
        CalendarCommand::Bench { seconds } => bench(&seconds),
    }
}

fn holidays(year: &str, source: &Source, json: bool) -> Result<()> {
    let year: i32 = year
        .trim()
        .parse()
        .map_err(|_| BadInput(format!("năm \"{year}\" không hợp lệ; nhập số, ví dụ 2027.")))?;
    let (calendar, settings) = source.load()?;
    let national = calendar.national_calendar();
    let days = calendar.named_days(year).map_err(BadInput::from)?;
    if json {
        let rows: Vec<_> = days
            .iter()
            .map(|d| {
                json!({
                    "date": d.date.to_string(),
                    "name": d.name,
                    "kind": d.kind.code(),
                    "working": d.working,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let whose = settings
        .name
        .as_deref()
        .unwrap_or("cơ quan hành chính nhà nước");
    println!("Ngày nghỉ lễ, Tết và ngày làm bù năm {year} — {whose}");
    if !national.is_decided(year) {
        println!("{}", undecided_note(year));
    }
    println!();
    println!(
        "{:<12} {:<10} {:<20} {:<9} Tên",
        "Ngày", "Thứ", "Loại", "Làm việc"
    );
    for d in &days {
        println!(
            "{:<12} {:<10} {:<20} {:<9} {}",
            d.date.format("%d/%m/%Y").to_string(),
            d.weekday(),
            d.kind.label(),
            if d.working { "có" } else { "không" },
            d.name.as_deref().unwrap_or("")
        );
    }
    let weekdays_off = days
        .iter()
        .filter(|d| !d.working && d.date.weekday().num_days_from_monday() < 5)
        .count();
    let weekends_worked = days
        .iter()
        .filter(|d| d.working && d.date.weekday().num_days_from_monday() >= 5)
        .count();
    println!();
    println!(
        "Tổng: {weekdays_off} ngày thường được nghỉ, {weekends_worked} ngày nghỉ hằng tuần phải làm bù."
    );
    println!(
        "Dữ liệu: {}; phiên bản {}.",
        national.data().sources.join(" + "),
        national.version()
    );
    Ok(())
}

fn undecided_note(year: i32) -> String {
    format!(
        "Lưu ý: chưa nạp quyết định năm {year} về ngày nghỉ Tết Nguyên đán và ngày liền kề Quốc khánh; \
         các ngày này theo quy tắc mặc định (2 ngày trước Tết, 3 ngày sau Tết; nghỉ bù theo Điều 111 BLLĐ) \
         — cần đối chiếu thông báo chính thức khi có."
    )
}

fn due(
    calendar: &WorkCalendar,
    received: &str,
    limit: &str,
    rules: &DeadlineRules,
    json: bool,
) -> Result<()> {
    let received = parse_instant(received).map_err(BadInput::from)?;
    let limit: Limit = limit.parse().map_err(BadInput::from)?;
    let due = calendar
        .due(received, limit, rules)
        .map_err(BadInput::from)?;
    let days = calendar.explain(&due).map_err(BadInput::from)?;
    let counted: Vec<&DayInfo> = days.iter().filter(|d| d.working).collect();
    let skipped: Vec<&DayInfo> = days.iter().filter(|d| !d.working).collect();
    let national = calendar.national_calendar();
    let undecided: Vec<i32> = (received.year()..=due.due.year())
        .filter(|y| !national.is_decided(*y))
        .collect();
    if json {
        let out = json!({
            "received": received.to_rfc3339(),
            "limit": limit.to_string(),
            "unit": limit.unit(),
            "rules": rules,
            "due": due.due.to_rfc3339(),
            "working_days": due.working_days,
            "counted_days": counted.iter().map(|d| d.date.to_string()).collect::<Vec<_>>(),
            "skipped_days": skipped.iter().map(|d| json!({
                "date": d.date.to_string(),
                "name": d.name,
                "kind": d.kind.code(),
            })).collect::<Vec<_>>(),
            "undecided_years": undecided,
            "calendar_version": due.calendar_version.to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("Tiếp nhận:        {}", spoken(received));
    println!("Thời hạn:         {limit}");
    println!("Hẹn trả kết quả:  {}", spoken(due.due));
    println!("                  {}", due.due.to_rfc3339());
    println!(
        "Số ngày làm việc được tính: {}  (ngày tiếp nhận không tính — BLDS 2015 Điều 147)",
        due.working_days
    );
    for d in &days {
        let what = if d.working {
            let n = counted.iter().position(|c| c.date == d.date).unwrap_or(0) + 1;
            format!("tính: ngày làm việc thứ {n}")
        } else {
            format!(
                "không tính: {}{}",
                d.kind.label(),
                d.name
                    .as_deref()
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default()
            )
        };
        println!("  {:<9} {}  {what}", d.weekday(), d.date.format("%d/%m/%Y"));
    }
    for y in undecided {
        println!("{}", undecided_note(y));
    }
    Ok(())
}

/// "17 giờ 00 phút, Thứ Tư, ngày 17/02/2027" — as Mẫu 01 prints an appointment.
fn spoken(t: DateTime<FixedOffset>) -> String {
    let t = to_vn(&t);
    format!(
        "{:02} giờ {:02} phút, {}, ngày {}",
        t.hour(),
        t.minute(),
        weekday_vi(t.weekday()),
        t.format("%d/%m/%Y")
    )
}

fn lunar_of(date: &str, json: bool) -> Result<()> {
    let date = parse_date(date).map_err(BadInput::from)?;
    let l = lunar::to_lunar(date).map_err(BadInput::from)?;
    print_lunar(date, l, json)
}

fn solar_of(text: &str, leap: bool, json: bool) -> Result<()> {
    let bad = || {
        BadInput(format!(
            "ngày âm lịch \"{text}\" không hợp lệ; nhập ngày/tháng/năm, ví dụ 10/3/2031."
        ))
    };
    let parts: Vec<&str> = text.trim().split('/').collect();
    let [d, m, y] = parts.as_slice() else {
        return Err(bad().into());
    };
    let lunar = LunarDate {
        day: d.trim().parse().map_err(|_| bad())?,
        month: m.trim().parse().map_err(|_| bad())?,
        year: y.trim().parse().map_err(|_| bad())?,
        leap,
    };
    let date = lunar::to_solar(lunar).map_err(BadInput::from)?;
    print_lunar(date, lunar, json)
}

fn print_lunar(date: NaiveDate, l: LunarDate, json: bool) -> Result<()> {
    let day_cc = lunar::day_can_chi(date);
    if json {
        let out = json!({
            "solar": date.to_string(),
            "weekday": weekday_vi(date.weekday()),
            "lunar": { "day": l.day, "month": l.month, "leap": l.leap, "year": l.year },
            "can_chi": {
                "day": day_cc.to_string(),
                "month": l.month_can_chi().to_string(),
                "year": l.year_can_chi().to_string(),
            },
            "text": l.describe(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "Dương lịch:  {}, {}",
        weekday_vi(date.weekday()),
        date.format("%d/%m/%Y")
    );
    println!("Âm lịch:     {} ({l})", l.describe());
    println!(
        "Tháng nhuận: {}",
        if l.leap {
            "có (tháng nhuận)"
        } else {
            "không"
        }
    );
    println!(
        "Can Chi:     ngày {day_cc}, tháng {}, năm {}",
        l.month_can_chi(),
        l.year_can_chi()
    );
    Ok(())
}

fn day(date: &str, source: &Source, json: bool) -> Result<()> {
    let date = parse_date(date).map_err(BadInput::from)?;
    let (calendar, _) = source.load()?;
    let info = calendar.day(date).map_err(BadInput::from)?;
    let next = calendar.next_working_day(date).map_err(BadInput::from)?;
    let previous = calendar
        .previous_working_day(date)
        .map_err(BadInput::from)?;
    let l = lunar::to_lunar(date).map_err(BadInput::from)?;
    if json {
        let out = json!({
            "date": date.to_string(),
            "weekday": info.weekday(),
            "working": info.working,
            "kind": info.kind.code(),
            "name": info.name,
            "basis": info.basis,
            "lunar": l.to_string(),
            "previous_working_day": previous.to_string(),
            "next_working_day": next.to_string(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{}, {} (âm lịch: {})",
        info.weekday(),
        date.format("%d/%m/%Y"),
        l.describe()
    );
    println!(
        "{}: {}",
        if info.working {
            "Ngày làm việc"
        } else {
            "Ngày nghỉ"
        },
        info.kind.label()
    );
    if let Some(name) = &info.name {
        println!("Tên:      {name}");
    }
    if let Some(basis) = &info.basis {
        println!("Căn cứ:   {basis}");
    }
    println!(
        "Ngày làm việc liền trước: {} {}",
        weekday_vi(previous.weekday()),
        previous.format("%d/%m/%Y")
    );
    println!(
        "Ngày làm việc liền sau:   {} {}",
        weekday_vi(next.weekday()),
        next.format("%d/%m/%Y")
    );
    if !calendar.national_calendar().is_decided(date.year()) {
        println!("{}", undecided_note(date.year()));
    }
    Ok(())
}

/// Due-date computations per second over a mix of limits and both appointment modes, on one
/// thread, with an agency calendar that has closures (the slower path).
fn bench(seconds: &str) -> Result<()> {
    let seconds: f64 = seconds
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| (0.1..=600.0).contains(s))
        .ok_or_else(|| {
            BadInput(format!(
                "thời gian đo \"{seconds}\" không hợp lệ (0,1–600 giây)."
            ))
        })?;
    if cfg!(debug_assertions) {
        println!(
            "Cảnh báo: bản build debug — số đo không đại diện. Dùng: cargo run --release -- calendar bench"
        );
    }
    let started = Instant::now();
    let national = Arc::new(Calendar::embedded());
    let build = started.elapsed();
    let settings = AgencySettings::parse(
        "office_hours = \"07:30-11:30, 13:30-17:00\"\n\
         [[closure]]\nfrom = \"2026-11-11\"\nto = \"2026-11-12\"\nreason = \"bão\"\nbasis = \"thử\"\n\
         [[closure]]\nfrom = \"2028-09-07\"\nreason = \"mất điện\"\nbasis = \"thử\"\n",
        "bench",
    )?;
    let calendar = WorkCalendar::new(national.clone(), &settings);
    let limits: Vec<Limit> = [
        "trong ngày",
        "5 ngày làm việc",
        "15 ngày làm việc",
        "30 ngày làm việc",
        "90 ngày làm việc",
        "2,5 ngày làm việc",
        "8 giờ làm việc",
        "10 ngày",
        "3 tháng",
    ]
    .iter()
    .map(|s| s.parse())
    .collect::<Result<_, _>>()?;
    let modes = [
        DeadlineRules::default(),
        DeadlineRules {
            mode: lich::CountMode::WorkingHours,
            ..Default::default()
        },
    ];
    // Reception instants spread over 2025–2030 at any minute (a fixed pseudo-random sequence).
    let base = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let instants: Vec<DateTime<FixedOffset>> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let day = seed % 2190;
            let minute = ((seed >> 20) % 1440) as u32;
            let date = base + chrono::Days::new(day);
            vn_instant(
                date.and_hms_opt(minute / 60, minute % 60, 0)
                    .expect("valid time"),
            )
        })
        .collect();

    let budget = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut computed: u64 = 0;
    while started.elapsed() < budget {
        for (i, at) in instants.iter().enumerate() {
            let limit = limits[i % limits.len()];
            let rules = &modes[(i / limits.len()) % modes.len()];
            black_box(calendar.due(black_box(*at), limit, rules)?);
        }
        computed += instants.len() as u64;
    }
    let elapsed = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut lookups: u64 = 0;
    let first = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    while started.elapsed() < budget / 3 {
        for n in 0..65_000u64 {
            black_box(calendar.is_working_day(first + chrono::Days::new(n))?);
        }
        lookups += 65_000;
    }
    let lookup_elapsed = started.elapsed().as_secs_f64();

    println!(
        "Dựng lịch quốc gia {}–{}: {:.1} ms",
        national.first_year(),
        national.last_year(),
        build.as_secs_f64() * 1e3
    );
    println!(
        "Tính hạn giải quyết (hỗn hợp {} loại thời hạn × 2 cách tính, lịch cơ quan có ngày tạm ngừng):",
        limits.len()
    );
    println!(
        "  {computed} phép tính trong {elapsed:.2} s → {:.2} triệu phép tính/giây ({:.0} ns/phép tính)",
        computed as f64 / elapsed / 1e6,
        elapsed * 1e9 / computed as f64
    );
    println!(
        "Tra cứu ngày làm việc: {:.1} triệu lượt/giây",
        lookups as f64 / lookup_elapsed / 1e6
    );
    Ok(())
}
