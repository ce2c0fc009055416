//! Cash and checks against a real SQLite store: change due, split payments, the order paid only
//! at a zero balance, and every bad input refused with nothing written.

mod support;

use dixon_payments::{Error, Method, PaymentStatus};
use dixon_shop::{Cents, Status};
use support::{invoiced, shop};

#[tokio::test]
async fn a_split_payment_pays_the_order_only_when_nothing_is_left() {
    let shop = shop().await;
    let number = invoiced(&shop.store, 48_213).await;
    let cash = shop.payments.cash(number, Cents(20_000), Cents(20_500)).await.unwrap();
    assert_eq!((cash.method, cash.status), (Method::Cash, PaymentStatus::Succeeded));
    assert_eq!(cash.change, Some(Cents(500)), "change due back");
    assert_eq!(shop.store.repair_order(number).await.unwrap().status, Status::Invoiced, "not paid yet");
    let balance = shop.payments.ledger().balance(number).await.unwrap();
    assert_eq!((balance.paid, balance.due), (Cents(20_000), Cents(28_213)));

    let check = shop.payments.check(number, Cents(28_213), " 1047 ").await.unwrap();
    assert_eq!(check.check_number.as_deref(), Some("1047"));
    let ro = shop.store.repair_order(number).await.unwrap();
    assert_eq!(ro.status, Status::Paid, "paid once the balance is zero");
    assert_eq!(ro.history.last().unwrap().note.as_deref(), Some("paid in full"));
    assert_eq!(shop.payments.ledger().payments_of(number).await.unwrap().len(), 2);

    let more = shop.payments.cash(number, Cents(100), Cents(100)).await.unwrap_err();
    assert!(matches!(more, Error::NotInvoiced { .. }), "{more}");
}

#[tokio::test]
async fn bad_amounts_and_orders_are_refused_and_nothing_is_written() {
    let shop = shop().await;
    let number = invoiced(&shop.store, 10_000).await;
    let cases: Vec<(Error, &str)> = vec![
        (shop.payments.cash(number, Cents(10_001), Cents(20_000)).await.unwrap_err(), "balance due, $100.00"),
        (shop.payments.cash(number, Cents(0), Cents(0)).await.unwrap_err(), "between $0.01"),
        (shop.payments.cash(number, Cents(-5), Cents(0)).await.unwrap_err(), "between $0.01"),
        (shop.payments.cash(number, Cents(5_000), Cents(4_000)).await.unwrap_err(), "less than the amount"),
        (shop.payments.check(number, Cents(5_000), "  ").await.unwrap_err(), "check number"),
        (shop.payments.check(number, Cents(5_000), &"9".repeat(31)).await.unwrap_err(), "check number"),
        (shop.payments.cash(424_242, Cents(100), Cents(100)).await.unwrap_err(), "424242 does not exist"),
        (shop.payments.card(number, Cents(100), "tmr_1", |_| {}).await.unwrap_err(), "dixon pay connect"),
    ];
    for (error, says) in &cases {
        assert!(error.to_string().contains(says), "{error} should say {says}");
    }
    assert!(shop.payments.ledger().payments_of(number).await.unwrap().is_empty(), "nothing half-written");

    let estimate = {
        let ro = shop.store.repair_order(number).await.unwrap();
        let form = dixon_shop::NewRepairOrder {
            customer: dixon_shop::NewCustomer {
                name: ro.customer.name.clone(),
                phone: "5592345678".into(),
                ..Default::default()
            },
            vehicle: dixon_shop::NewVehicle { vin: "1HGCM82633A004352".into(), ..Default::default() },
            concern: String::new(),
        };
        shop.store.create_repair_order(&form).await.unwrap().number
    };
    let refused = shop.payments.cash(estimate, Cents(100), Cents(100)).await.unwrap_err();
    assert!(refused.to_string().contains("invoice it first"), "{refused}");
}

#[tokio::test]
async fn two_stations_taking_cash_at_once_never_take_more_than_the_balance() {
    let shop = shop().await;
    let number = invoiced(&shop.store, 10_000).await;
    let (a, b) = tokio::join!(
        shop.payments.cash(number, Cents(7_000), Cents(7_000)),
        shop.payments.cash(number, Cents(7_000), Cents(7_000)),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one of the two goes through");
    let balance = shop.payments.ledger().balance(number).await.unwrap();
    assert_eq!((balance.paid, balance.due), (Cents(7_000), Cents(3_000)));
}

#[tokio::test]
async fn cash_is_refunded_from_the_drawer_up_to_what_was_paid() {
    let shop = shop().await;
    let number = invoiced(&shop.store, 10_000).await;
    let paid = shop.payments.cash(number, Cents(10_000), Cents(10_000)).await.unwrap();
    let refunded = shop.payments.refund(paid.id, Some(Cents(2_500))).await.unwrap();
    assert_eq!(refunded.refunded, Cents(2_500));
    let too_much = shop.payments.refund(paid.id, Some(Cents(7_501))).await.unwrap_err();
    assert!(too_much.to_string().contains("$75.00"), "{too_much}");
    let rest = shop.payments.refund(paid.id, None).await.unwrap();
    assert_eq!(rest.refunded, Cents(10_000));
    assert!(shop.payments.refund(paid.id, None).await.is_err(), "nothing left to refund");
    assert_eq!(shop.payments.ledger().balance(number).await.unwrap().paid, Cents(0));
}
