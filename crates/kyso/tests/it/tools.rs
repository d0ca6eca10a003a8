//! The outside tools the signature tests use: openssl to make a test PKI, SoftHSM2 as a token,
//! poppler's pdfsig and pyHanko (in a venv under the target directory) to check signatures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// SoftHSM2's PKCS#11 module as Debian installs it.
pub const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Runs a tool; `None` (skip, with the reason printed) when it is missing outside CI.
pub fn tool_or_skip(cmd: &mut Command, package: &str) -> Option<Output> {
    match cmd.output() {
        Ok(o) => Some(o),
        Err(e) if in_ci() => panic!("{cmd:?} is needed in CI (Debian {package}): {e}"),
        Err(e) => {
            eprintln!("SKIPPED: {cmd:?} not found ({e}); install {package}");
            None
        }
    }
}

/// Reads one HTTP request (headers, then Content-Length bytes) and answers it with
/// `openssl ts -reply` on its body.
fn answer_ts(dir: &Path, n: usize, stream: &mut std::net::TcpStream) {
    use std::io::{Read, Write};
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let body_at = loop {
        let got = stream.read(&mut chunk).unwrap_or(0);
        if got == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..got]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..body_at]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < body_at + length {
        let got = stream.read(&mut chunk).unwrap_or(0);
        if got == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..got]);
    }
    let (query, reply) = (format!("q{n}.tsq"), format!("r{n}.tsr"));
    std::fs::write(dir.join(&query), &buf[body_at..body_at + length]).unwrap();
    run(Command::new("openssl").current_dir(dir).args([
        "ts",
        "-reply",
        "-config",
        "ts.cnf",
        "-queryfile",
        &query,
        "-out",
        &reply,
    ]));
    let answer = std::fs::read(dir.join(&reply)).unwrap();
    let _ = stream.write_all(
        format!(
            "HTTP/1.0 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        )
        .as_bytes(),
    );
    let _ = stream.write_all(&answer);
}

fn run(cmd: &mut Command) {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A test PKI: a CA, an officer (RSA-2048) and an organisation (ECDSA P-256), each with a
/// PKCS#12 file holding the key, the certificate and the CA.
pub struct Pki {
    pub dir: PathBuf,
    pub ca_pem: PathBuf,
    pub officer_p12: Vec<u8>,
    pub org_p12: Vec<u8>,
}

impl Pki {
    pub fn make() -> Option<Pki> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kyso-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ossl = |args: &[&str]| {
            let mut c = Command::new("openssl");
            c.current_dir(&dir).args(args);
            c
        };
        let probe = tool_or_skip(&mut ossl(&["version"]), "openssl")?;
        assert!(probe.status.success());
        run(&mut ossl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=Motcua Test CA/O=Motcua",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]));
        std::fs::write(
            dir.join("leaf.cnf"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
        )
        .unwrap();
        for (name, key, subject) in [
            (
                "officer",
                &["-newkey", "rsa:2048"][..],
                "/CN=Lê Văn Minh/O=UBND xã Bảo Thắng",
            ),
            (
                "org",
                &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
                "/CN=UBND xã Bảo Thắng/O=UBND xã Bảo Thắng",
            ),
        ] {
            let (keyf, csr, pem) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.pem"),
            );
            let mut args = vec!["req", "-utf8", "-nodes"];
            args.extend_from_slice(key);
            args.extend(["-keyout", &keyf, "-out", &csr, "-subj", subject]);
            run(&mut ossl(&args));
            run(&mut ossl(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "825",
                "-extfile",
                "leaf.cnf",
            ]));
            run(&mut ossl(&[
                "pkcs12",
                "-export",
                "-inkey",
                &keyf,
                "-in",
                &pem,
                "-certfile",
                "ca.pem",
                "-out",
                &format!("{name}.p12"),
                "-passout",
                "pass:mat-khau",
            ]));
            run(&mut ossl(&[
                "x509",
                "-in",
                &pem,
                "-outform",
                "der",
                "-out",
                &format!("{name}.der"),
            ]));
        }
        run(&mut ossl(&[
            "x509", "-in", "ca.pem", "-outform", "der", "-out", "ca.der",
        ]));
        run(&mut ossl(&[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "officer.key",
            "-out",
            "officer.pk8.pem",
        ]));
        Some(Pki {
            ca_pem: dir.join("ca.pem"),
            officer_p12: std::fs::read(dir.join("officer.p12")).unwrap(),
            org_p12: std::fs::read(dir.join("org.p12")).unwrap(),
            dir,
        })
    }

    /// Runs openssl in the PKI's folder.
    pub fn openssl(&self, args: &[&str]) {
        run(Command::new("openssl").current_dir(&self.dir).args(args));
    }

    /// A certificate `name` for `subject`, issued by the certificate and key `issuer`
    /// (`ca`, `officer`, …) with the extensions `ext` (a line of an openssl extension file);
    /// its PEM file and, with its key and `chain` (PEM files), a PKCS#12 file `name.p12`.
    pub fn issue(&self, name: &str, subject: &str, issuer: &str, ext: &str, chain: &[&str]) {
        let ext_file = format!("{name}.ext");
        std::fs::write(self.dir.join(&ext_file), ext).unwrap();
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        self.openssl(&[
            "req", "-utf8", "-nodes", "-newkey", "rsa:2048", "-keyout", &key, "-out", &csr,
            "-subj", subject,
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &format!("{issuer}.pem"),
            "-CAkey",
            &format!("{issuer}.key"),
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "365",
            "-extfile",
            &ext_file,
        ]);
        let chain_file = format!("{name}.chain.pem");
        let mut args = vec!["pkcs12", "-export", "-inkey", &key, "-in", &pem];
        if !chain.is_empty() {
            let bundle: Vec<u8> = chain
                .iter()
                .flat_map(|c| std::fs::read(self.dir.join(c)).unwrap())
                .collect();
            std::fs::write(self.dir.join(&chain_file), bundle).unwrap();
            args.extend(["-certfile", &chain_file]);
        }
        let p12 = format!("{name}.p12");
        args.extend(["-out", &p12, "-passout", "pass:mat-khau"]);
        self.openssl(&args);
    }

    /// A CRL distribution point for the test CA: an `openssl ca` database in the PKI's folder
    /// and a local HTTP server answering every GET with the CRL last made (`publish_crl`).
    /// Returns the CRL's address.
    pub fn crl_server(&self) -> String {
        std::fs::write(
            self.dir.join("ca.cnf"),
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\ncertificate = ca.pem\nprivate_key = ca.key\ndefault_md = sha256\ndefault_crl_days = 7\ncrlnumber = crlnumber\npolicy = p\n[p]\ncommonName = supplied\n",
        )
        .unwrap();
        std::fs::write(self.dir.join("index.txt"), "").unwrap();
        std::fs::write(self.dir.join("crlnumber"), "01\n").unwrap();
        self.publish_crl();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let dir = self.dir.clone();
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = [0u8; 2048];
                let _ = stream.read(&mut head);
                let crl = std::fs::read(dir.join("ca.crl")).unwrap_or_default();
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\n\r\n",
                        crl.len()
                    )
                    .as_bytes(),
                );
                let _ = stream.write_all(&crl);
            }
        });
        format!("http://{addr}/ca.crl")
    }

    /// An OCSP responder for the test CA (`openssl ocsp`, the CA's database made by
    /// [`Pki::crl_server`]) on `port`, answering with a delegated responder certificate
    /// (extendedKeyUsage OCSPSigning); stopped when the guard is dropped.
    pub fn ocsp_responder(&self, port: u16) -> Responder {
        if !self.dir.join("responder.pem").exists() {
            self.issue(
                "responder",
                "/CN=Motcua Test OCSP",
                "ca",
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,OCSPSigning\n",
                &[],
            );
        }
        let mut child = Command::new("openssl")
            .current_dir(&self.dir)
            .args([
                "ocsp",
                "-index",
                "index.txt",
                "-port",
                &port.to_string(),
                "-rsigner",
                "responder.pem",
                "-rkey",
                "responder.key",
                "-CA",
                "ca.pem",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("openssl ocsp");
        // Ready when it says it waits for clients (a probing connection would hold the
        // single-threaded responder); what it says afterwards is drained.
        use std::io::BufRead as _;
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        for line in lines.by_ref() {
            if line.unwrap_or_default().contains("waiting for OCSP client") {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        Responder(child)
    }

    /// Makes the test CA's CRL anew (DER), from its database.
    pub fn publish_crl(&self) {
        self.openssl(&["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl.pem"]);
        self.openssl(&[
            "crl",
            "-in",
            "ca.crl.pem",
            "-outform",
            "der",
            "-out",
            "ca.crl",
        ]);
    }

    pub fn read(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(file)).unwrap()
    }

    /// A time-stamping authority for the tests: a TSA certificate from the test CA
    /// (extendedKeyUsage timeStamping) and a local HTTP server answering RFC 3161 requests with
    /// `openssl ts -reply`, the fake of a CA's TSA. Returns its address.
    pub fn tsa_server(&self) -> String {
        let dir = self.dir.clone();
        let ossl = |args: &[&str]| {
            let mut c = Command::new("openssl");
            c.current_dir(&dir).args(args);
            c
        };
        std::fs::write(
            dir.join("tsa-ext.cnf"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
        )
        .unwrap();
        run(&mut ossl(&[
            "req",
            "-nodes",
            "-newkey",
            "rsa:2048",
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Motcua Test TSA/O=Motcua",
        ]));
        run(&mut ossl(&[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.pem",
            "-days",
            "825",
            "-extfile",
            "tsa-ext.cnf",
        ]));
        std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
        std::fs::write(
            dir.join("ts.cnf"),
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = .\nserial = ./tsaserial\n\
             crypto_device = builtin\nsigner_cert = ./tsa.pem\ncerts = ./ca.pem\n\
             signer_key = ./tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n\
             digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\n\
             tsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
        )
        .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                answer_ts(&dir, n, &mut stream);
            }
        });
        format!("http://{addr}/tsa")
    }

    /// A SoftHSM2 token "motcua-test" (PIN 1234) holding the officer's key; returns the
    /// configuration file to give as SOFTHSM2_CONF.
    pub fn softhsm_token(&self) -> Option<PathBuf> {
        let tokens = self.dir.join("tokens");
        std::fs::create_dir_all(&tokens).unwrap();
        let conf = self.dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .unwrap();
        let util = |args: &[&str]| {
            let mut c = Command::new("softhsm2-util");
            c.env("SOFTHSM2_CONF", &conf)
                .current_dir(&self.dir)
                .args(args);
            c
        };
        let init = tool_or_skip(
            &mut util(&[
                "--init-token",
                "--free",
                "--label",
                "motcua-test",
                "--pin",
                "1234",
                "--so-pin",
                "5678",
            ]),
            "softhsm2",
        )?;
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        run(&mut util(&[
            "--import",
            "officer.pk8.pem",
            "--token",
            "motcua-test",
            "--label",
            "ky-so",
            "--id",
            "01",
            "--pin",
            "1234",
        ]));
        Some(conf)
    }
}

/// Puts the officer's certificate beside its key on the token (as a CA's token tool does).
pub fn store_certificate_on_token(dir: &Path) {
    use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
    use cryptoki::object::{Attribute, CertificateType, ObjectClass};
    use cryptoki::session::UserType;
    use cryptoki::types::AuthPin;
    let m = Pkcs11::new(SOFTHSM).unwrap();
    m.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = m
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| m.get_token_info(*s).unwrap().label().trim() == "motcua-test")
        .unwrap();
    let session = m.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::new("1234".into())))
        .unwrap();
    let der = std::fs::read(dir.join("officer.der")).unwrap();
    let cert = kyso::Cert::parse(&der).unwrap();
    session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Id(vec![1]),
            Attribute::Label(b"ky-so".to_vec()),
            Attribute::Subject(cert.subject_raw.clone()),
            Attribute::Issuer(cert.issuer_raw.clone()),
            Attribute::SerialNumber(cert.serial_raw.clone()),
            Attribute::Value(der),
        ])
        .unwrap();
    session.logout().unwrap();
}

fn temp_pdf(pdf: &[u8]) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "kyso-check-{}-{}.pdf",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, pdf).unwrap();
    path
}

/// `pdfsig` (poppler) on a PDF: its report.
pub fn pdfsig(pdf: &[u8]) -> Option<String> {
    let path = temp_pdf(pdf);
    let out = tool_or_skip(Command::new("pdfsig").arg(&path), "poppler-utils");
    let _ = std::fs::remove_file(&path);
    let out = out?;
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

const PYHANKO: &str = "0.38.0";
const PYHANKO_CHECK: &str = r#"
import sys
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.keys import load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext
vc = ValidationContext(trust_roots=[load_cert_from_pemder(sys.argv[2])])
with open(sys.argv[1], "rb") as f:
    for sig in PdfFileReader(f).embedded_signatures:
        s = validate_pdf_signature(sig, vc)
        ts = s.timestamp_validity
        print(sig.field_name, "INTACT" if s.intact else "MODIFIED",
              "VALID" if s.valid else "INVALID", "TRUSTED" if s.trusted else "UNTRUSTED",
              s.coverage.name,
              "NO-TS" if ts is None else "TS-" + ("VALID" if ts.intact and ts.valid else "INVALID")
              + ("-TRUSTED" if ts.trusted else "-UNTRUSTED"),
              "MOD-" + (s.modification_level.name if s.modification_level is not None else "UNKNOWN"),
              "DOCMDP-" + ("OK" if s.docmdp_ok else "NOT-OK"))
"#;

/// pyHanko's validator on a PDF, trusting `ca`: one line per signature. The venv is made once
/// under the target directory (pip needs PyPI the first time).
pub fn pyhanko(pdf: &[u8], ca: &Path) -> Option<String> {
    static VENV: Mutex<Option<bool>> = Mutex::new(None);
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pyhanko-venv");
    let python = venv.join("bin/python");
    {
        let mut ready = VENV.lock().unwrap();
        if ready.is_none() {
            let ok = python.exists()
                && Command::new(&python)
                    .args(["-c", "import pyhanko"])
                    .status()
                    .is_ok_and(|s| s.success());
            if !ok {
                tool_or_skip(
                    Command::new("python3").args(["-m", "venv"]).arg(&venv),
                    "python3-venv",
                )?;
                let pip = Command::new(venv.join("bin/pip"))
                    .args(["install", "-q", &format!("pyhanko=={PYHANKO}")])
                    .output();
                match pip {
                    Ok(o) if o.status.success() => {}
                    other if in_ci() => panic!("pip install pyhanko failed: {other:?}"),
                    other => {
                        eprintln!("SKIPPED: pyHanko could not be installed: {other:?}");
                        *ready = Some(false);
                    }
                }
            }
            ready.get_or_insert(true);
        }
        if *ready == Some(false) {
            return None;
        }
    }
    let path = temp_pdf(pdf);
    let out = Command::new(&python)
        .args(["-c", PYHANKO_CHECK])
        .arg(&path)
        .arg(ca)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    // The verdict is on stdout; stderr carries the libraries' warnings (a newer `cryptography`
    // deprecating DSA added lines there), shown only when the check fails.
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "pyHanko: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(text)
}

/// A running OCSP responder, stopped on drop.
pub struct Responder(std::process::Child);

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `pdftotext -layout` (poppler) on a PDF: its text.
pub fn pdftotext(pdf: &[u8]) -> Option<String> {
    let path = temp_pdf(pdf);
    let out = tool_or_skip(
        Command::new("pdftotext")
            .args(["-layout"])
            .arg(&path)
            .arg("-"),
        "poppler-utils",
    );
    let _ = std::fs::remove_file(&path);
    out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// `xmlsec1 --verify` of a signed XML file against the PKI's CA: whether it verified, and what
/// it said. `None` (skip, reason printed) when xmlsec1 is missing outside CI.
pub fn xmlsec_verify(pki: &Pki, xml: &[u8]) -> Option<(bool, String)> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let file = pki
        .dir
        .join(format!("signed-{}.xml", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&file, xml).unwrap();
    let o = tool_or_skip(
        Command::new("xmlsec1")
            .arg("--verify")
            .arg("--trusted-pem")
            .arg(&pki.ca_pem)
            .arg(&file),
        "xmlsec1",
    )?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    Some((o.status.success(), said))
}
