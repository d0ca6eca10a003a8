//! The payment gateway's status query over HTTP (VNPAY API 2.1.0 `querydr`): a signed JSON
//! request, a signed JSON answer; an answer whose signature does not check is not believed.

use std::time::Duration;

use app::gateway::{
    Answer, QUERY_ANSWER_SIGNED, Query, StatusQuery, gateway_time, pipe_signature, same_signature,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Truy vấn giao dịch qua API của cổng thanh toán.
pub struct HttpStatusQuery {
    url: String,
    merchant: String,
    secret: String,
    client: reqwest::Client,
}

impl HttpStatusQuery {
    pub fn new(url: &str, merchant: &str, secret: &str, timeout: Duration) -> Result<Self, String> {
        crate::install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("không tạo được kết nối HTTP: {e}"))?;
        Ok(Self {
            url: url.to_string(),
            merchant: merchant.to_string(),
            secret: secret.to_string(),
            client,
        })
    }

    async fn ask(&self, txn_ref: &str, created: DateTime<Utc>) -> Result<Answer, String> {
        let request_id = format!(
            "{}{}",
            Utc::now().timestamp_millis(),
            txn_ref.chars().take(8).collect::<String>()
        );
        let (transaction_date, create_date) = (gateway_time(created), gateway_time(Utc::now()));
        let order_info = format!("Truy van giao dich {txn_ref}");
        let ip = "127.0.0.1";
        let hash = pipe_signature(
            &self.secret,
            &[
                &request_id,
                "2.1.0",
                "querydr",
                &self.merchant,
                txn_ref,
                &transaction_date,
                &create_date,
                ip,
                &order_info,
            ],
        );
        let body = json!({
            "vnp_RequestId": request_id,
            "vnp_Version": "2.1.0",
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.merchant,
            "vnp_TxnRef": txn_ref,
            "vnp_OrderInfo": order_info,
            "vnp_TransactionDate": transaction_date,
            "vnp_CreateDate": create_date,
            "vnp_IpAddr": ip,
            "vnp_SecureHash": hash,
        });
        let reply = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("cổng thanh toán không trả lời: {e}"))?;
        if !reply.status().is_success() {
            return Err(format!("cổng thanh toán trả lời HTTP {}", reply.status()));
        }
        let v: Value = reply
            .json()
            .await
            .map_err(|e| format!("câu trả lời không đọc được: {e}"))?;
        let field = |name: &str| v.get(name).and_then(Value::as_str).unwrap_or_default();
        let parts = QUERY_ANSWER_SIGNED.map(field);
        if !same_signature(
            field("vnp_SecureHash"),
            &pipe_signature(&self.secret, &parts),
        ) {
            return Err("chữ ký câu trả lời của cổng thanh toán không đúng".into());
        }
        let status = field("vnp_TransactionStatus");
        let answer_code = match (field("vnp_ResponseCode"), status) {
            ("00", "00") => "00",
            ("00", "01") => "01",
            ("00", _) => "02",
            (other, _) => other,
        };
        let hundredths: i64 = field("vnp_Amount").parse().unwrap_or(-1);
        Ok(Answer {
            txn_ref: field("vnp_TxnRef").to_string(),
            amount: if hundredths >= 0 {
                hundredths / 100
            } else {
                -1
            },
            response_code: answer_code.to_string(),
            transaction_status: status.to_string(),
            transaction_no: Some(field("vnp_TransactionNo").to_string()).filter(|n| !n.is_empty()),
        })
    }
}

impl StatusQuery for HttpStatusQuery {
    fn query<'a>(&'a self, txn_ref: &'a str, created: DateTime<Utc>) -> Query<'a> {
        Box::pin(self.ask(txn_ref, created))
    }
}
