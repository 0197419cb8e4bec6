//! Seed data of the billing shape ("Ledgerly"): one merchant account per demo user, each with
//! three customers, their invoices and the payments of the paid ones.
//!
//! Fixed, so `fixtures/demo/billing/ground-truth.yaml` and tests can name objects; only the API
//! keys are random (see `billing.rs`). Invoices are created and deleted through the API.

use serde_json::{Value, json};

use crate::data::DemoUser;

/// A merchant account: the API key's owner.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) user: DemoUser,
    pub(crate) id: &'static str,
    pub(crate) email: &'static str,
    pub(crate) business_name: &'static str,
    pub(crate) country: &'static str,
}

impl Account {
    /// The declared `Account` schema.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "business_name": self.business_name,
            "country": self.country,
        })
    }
}

/// A merchant's customer, with the personal data the merchant keeps about them.
#[derive(Debug)]
pub(crate) struct Customer {
    pub(crate) id: &'static str,
    /// The merchant account the customer belongs to.
    pub(crate) owner: DemoUser,
    pub(crate) name: &'static str,
    pub(crate) email: &'static str,
    pub(crate) phone: &'static str,
    /// line1, city, postal_code, country.
    pub(crate) address: [&'static str; 4],
    pub(crate) created: i64,
}

impl Customer {
    /// The declared `Customer` schema.
    pub(crate) fn to_json(&self) -> Value {
        let [line1, city, postal_code, country] = self.address;
        json!({
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "address": {
                "line1": line1,
                "city": city,
                "postal_code": postal_code,
                "country": country,
            },
            "created": self.created,
        })
    }
}

/// An invoice; it belongs to whoever owns its customer.
#[derive(Debug, Clone)]
pub(crate) struct Invoice {
    pub(crate) id: String,
    pub(crate) customer: &'static str,
    pub(crate) amount: u64,
    pub(crate) currency: String,
    /// `draft`, `open` or `paid`; only drafts can be deleted.
    pub(crate) status: &'static str,
    pub(crate) description: Option<String>,
    pub(crate) payment: Option<String>,
    pub(crate) created: i64,
}

impl Invoice {
    /// The declared `Invoice` schema.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "customer": self.customer,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "description": self.description,
            "payment": self.payment,
            "created": self.created,
        })
    }
}

/// The payment that settled a paid invoice.
#[derive(Debug)]
pub(crate) struct Payment {
    pub(crate) id: String,
    pub(crate) invoice: String,
    pub(crate) amount: u64,
    pub(crate) currency: String,
    pub(crate) created: i64,
}

impl Payment {
    /// The declared `Payment` schema.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "invoice": self.invoice,
            "amount": self.amount,
            "currency": self.currency,
            "status": "succeeded",
            "created": self.created,
        })
    }
}

/// An item of the public product catalogue.
#[derive(Debug)]
pub(crate) struct Product {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) unit_amount: u64,
    pub(crate) currency: &'static str,
}

impl Product {
    /// The declared `Product` schema.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "unit_amount": self.unit_amount,
            "currency": self.currency,
        })
    }
}

/// The whole in-memory ledger (behind a lock: invoices are created and deleted).
#[derive(Debug)]
pub(crate) struct Ledger {
    pub(crate) accounts: Vec<Account>,
    pub(crate) customers: Vec<Customer>,
    pub(crate) invoices: Vec<Invoice>,
    pub(crate) payments: Vec<Payment>,
    pub(crate) products: Vec<Product>,
    /// The highest invoice number handed out (numbers of deleted invoices are not reused).
    last_invoice: u32,
}

/// Seconds since the epoch of the seed data's first day (2024-03-01T09:00:00Z).
const EPOCH: i64 = 1_709_283_600;

impl Ledger {
    pub(crate) fn seed() -> Ledger {
        let customers = customers();
        let mut ledger = Ledger {
            accounts: accounts(),
            customers: Vec::new(),
            invoices: Vec::new(),
            payments: Vec::new(),
            products: products(),
            last_invoice: 0,
        };
        // Two rounds over every merchant, so sequential invoice numbers interleave accounts
        // the way a shared sequence does: first a paid invoice per customer, then an open one
        // for the first two customers of each account.
        for round in 0..2_u64 {
            for (i, c) in customers.iter().enumerate() {
                if round == 1 && i % 3 == 2 {
                    continue;
                }
                let amount = 1_500 + (i as u64 * 7_919 + round * 3_301) % 48_000;
                let currency = if c.address[3] == "US" { "usd" } else { "eur" };
                let created = EPOCH + (round as i64 * 15 + i as i64) * 86_400;
                let mut invoice = ledger.new_invoice(c.id, amount, currency, None, created);
                if round == 0 {
                    let payment = Payment {
                        id: format!("pay_{}", scramble(i as u64)),
                        invoice: invoice.id.clone(),
                        amount,
                        currency: currency.to_owned(),
                        created: created + 3_600,
                    };
                    invoice.status = "paid";
                    invoice.payment = Some(payment.id.clone());
                    ledger.payments.push(payment);
                } else {
                    invoice.status = "open";
                }
                ledger.invoices.push(invoice);
            }
        }
        ledger.customers = customers;
        ledger
    }

    /// A draft invoice with the next number; not stored until pushed.
    pub(crate) fn new_invoice(
        &mut self,
        customer: &'static str,
        amount: u64,
        currency: &str,
        description: Option<String>,
        created: i64,
    ) -> Invoice {
        self.last_invoice += 1;
        Invoice {
            id: format!("inv_{:04}", self.last_invoice),
            customer,
            amount,
            currency: currency.to_owned(),
            status: "draft",
            description,
            payment: None,
            created,
        }
    }

    pub(crate) fn account(&self, user: DemoUser) -> Option<&Account> {
        self.accounts.iter().find(|a| a.user == user)
    }

    pub(crate) fn customer(&self, id: &str) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }

    /// Who owns an invoice (through its customer).
    pub(crate) fn invoice_owner(&self, invoice: &Invoice) -> Option<DemoUser> {
        self.customer(invoice.customer).map(|c| c.owner)
    }
}

/// A fixed, random-looking base-62 string of 14 characters for `n` (a multiplicative hash:
/// stable across starts, unrelated-looking for neighbouring `n`).
fn scramble(n: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut x = n.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..14)
        .map(|_| {
            x ^= x >> 29;
            x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
            char::from(ALPHABET[(x % 62) as usize])
        })
        .collect()
}

fn accounts() -> Vec<Account> {
    use DemoUser::{Alice, Bob, Carol, Dave, Erin};
    let rows = [
        (
            Alice,
            "acct_1OxAq7LmVb2Zp9Ks",
            "billing@lindqvist-ceramics.example.test",
            "Lindqvist Ceramics AB",
            "SE",
        ),
        (
            Bob,
            "acct_1OxBr4TnWc8Yq3Jd",
            "accounts@okonkwo-hale.example.test",
            "Okonkwo & Hale Bicycles",
            "CL",
        ),
        (
            Carol,
            "acct_1OxCs9UpXd5Xr7Hf",
            "finance@nakamura-byrne.example.test",
            "Nakamura-Byrne Studio",
            "IS",
        ),
        (
            Dave,
            "acct_1OxDt2VqYe1Ws4Gg",
            "office@szczepanski-ruiz.example.test",
            "Szczepański Ruiz Tiles",
            "AL",
        ),
        (
            Erin,
            "acct_1OxEu6WrZf3Vt8Fh",
            "hello@mbeki-castellanos.example.test",
            "Mbeki Castellanos Expeditions",
            "AR",
        ),
    ];
    rows.into_iter()
        .map(|(user, id, email, business_name, country)| Account {
            user,
            id,
            email,
            business_name,
            country,
        })
        .collect()
}

fn customers() -> Vec<Customer> {
    use DemoUser::{Alice, Bob, Carol, Dave, Erin};
    #[rustfmt::skip]
    let rows = [
        (Alice, "cus_Q3mX8rTb2LkVnW", "Ingrid Sjöberg", "ingrid.sjoberg@example.test", "+46 70 555 0142", ["Storgatan 12", "Umeå", "903 26", "SE"]),
        (Alice, "cus_P9wZ4hJc7DsEaM", "Mateo Rossi", "mateo.rossi@example.test", "+39 333 555 0178", ["Via dei Mille 4", "Bologna", "40121", "IT"]),
        (Alice, "cus_L2vN6yKq1FgRtB", "Hannah Weiss", "h.weiss@example.test", "+49 151 5550 1930", ["Karl-Marx-Allee 90", "Berlin", "10243", "DE"]),
        (Bob, "cus_H7dR3pWm9XbYeK", "Priya Raghunathan", "priya.raghunathan@example.test", "+1 415 555 0193", ["2150 Folsom St Apt 4", "San Francisco", "94110", "US"]),
        (Bob, "cus_T5kB8nVs2QjZcF", "Tomás Echeverría", "tomas.echeverria@example.test", "+56 9 5550 3821", ["Avenida Alemania 1020", "Valparaíso", "2340000", "CL"]),
        (Bob, "cus_M4gF1xLu6WhPoD", "Grace Adeyemi", "grace.adeyemi@example.test", "+1 646 555 0127", ["88 Orchard St", "New York", "10002", "US"]),
        (Carol, "cus_B8sK2cNw5RyTxA", "Sigrún Jónsdóttir", "sigrun.j@example.test", "+354 555 0164", ["Laugavegur 31", "Reykjavík", "101", "IS"]),
        (Carol, "cus_W1hE7gPz3MuLqC", "Oliver Brandt", "oliver.brandt@example.test", "+45 20 55 50 11", ["Nørrebrogade 52", "København", "2200", "DK"]),
        (Carol, "cus_F6jA9tQd4KoVsE", "Amélie Garnier", "amelie.garnier@example.test", "+33 6 55 50 12 34", ["12 rue Oberkampf", "Paris", "75011", "FR"]),
        (Dave, "cus_R2nU5vXe8JiWdG", "Luan Hoxha", "luan.hoxha@example.test", "+355 69 555 0102", ["Rruga Sami Frashëri 7", "Tiranë", "1001", "AL"]),
        (Dave, "cus_K9pY3bMf6HtNrJ", "Elena Popescu", "elena.popescu@example.test", "+40 721 555 018", ["Strada Lipscani 45", "București", "030031", "RO"]),
        (Dave, "cus_D4tI8wLg1GsMqL", "Yusuf Demir", "yusuf.demir@example.test", "+90 532 555 0147", ["İstiklal Cd. 140", "İstanbul", "34430", "TR"]),
        (Erin, "cus_V7xO2aKh9FrBpN", "Camila Ortiz", "camila.ortiz@example.test", "+54 9 2901 55 5012", ["Av. San Martín 380", "Ushuaia", "9410", "AR"]),
        (Erin, "cus_J3cT6eJi4DqCoP", "Noah Fischer", "noah.fischer@example.test", "+41 79 555 01 64", ["Bahnhofstrasse 21", "Zürich", "8001", "CH"]),
        (Erin, "cus_N5bW1fHj7CpDmQ", "Aiko Tanaka", "aiko.tanaka@example.test", "+81 90 5550 1836", ["1-4-2 Jingumae", "Tokyo", "150-0001", "JP"]),
    ];
    rows.into_iter()
        .enumerate()
        .map(|(i, (owner, id, name, email, phone, address))| Customer {
            id,
            owner,
            name,
            email,
            phone,
            address,
            created: EPOCH - (30 - i as i64) * 86_400,
        })
        .collect()
}

fn products() -> Vec<Product> {
    let rows = [
        (
            "prod_Starter01",
            "Ledgerly Starter",
            "Invoicing for up to 50 customers.",
            900,
        ),
        (
            "prod_Growth02",
            "Ledgerly Growth",
            "Unlimited customers, recurring invoices.",
            2_900,
        ),
        (
            "prod_Scale003",
            "Ledgerly Scale",
            "Multiple entities, audit log, SSO.",
            9_900,
        ),
    ];
    rows.into_iter()
        .map(|(id, name, description, unit_amount)| Product {
            id,
            name,
            description,
            unit_amount,
            currency: "usd",
        })
        .collect()
}
