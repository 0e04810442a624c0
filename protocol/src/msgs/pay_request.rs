//! §2.1 支付请求接口: the payData JSON the merchant app hands to the SDK control.

use crate::enums::{FnpayMode, InputCharset, IssuerId, Language, PayType, SignType, TradeNature};

message! {
    /// §2.1 PayData 订单数据, with the international-card fields (§2.1 second table).
    ///
    /// The main table has no length column; lengths here are those the same fields have in
    /// §2.2.3, where the gateway echoes them back (ERRATA E-PAYDATA-LEN).
    PayRequest {
        kind: PayRequest, section: "2.1", title: "支付请求接口",
        versions: ["v1.0"], wire: Json, scheme: MerchantMd5,
    }
    input_charset "inputCharset" - Required Signed OneOf(InputCharset);
    receive_url "receiveUrl" - Required Signed Url;
    version "version" 10 Required Signed OneOf(&["v1.0"]);
    language "language" 2 Optional Signed OneOf(Language);
    sign_type "signType" 2 Required Signed OneOf(SignType);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_no "orderNo" 50 Required Signed OrderNo;
    order_amount "orderAmount" 10 Required Signed Amount;
    order_currency "orderCurrency" 3 Required Signed Currency;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    product_name "productName" - Required Signed Text;
    ext1 "ext1" 128 Optional Signed Text;
    pay_type "payType" 2 Required Signed OneOf(PayType);
    issuer_id "issuerId" 10 Optional Signed OneOf(IssuerId);
    trade_nature "tradeNature" 8 Optional Signed OneOf(TradeNature);
    sign_msg "signMsg" 1024 Required Signature SignMsg;
    card_no "cardNo" 19 Optional NotSigned Digits;
    ship_to_country "ship_to_country" 2 Optional Ext1Digest Country;
    ship_to_state "ship_to_state" 60 Optional Ext1Digest State;
    ship_to_city "ship_to_city" 50 Optional Ext1Digest Text;
    ship_to_street1 "ship_to_street1" 60 Optional Ext1Digest Text;
    ship_to_street2 "ship_to_street2" 60 Optional Ext1Digest Text;
    ship_to_phonenumber "ship_to_phonenumber" 20 Optional Ext1Digest Text;
    ship_to_postalcode "ship_to_postalcode" 20 Optional Ext1Digest PostalCode;
    ship_to_firstname "ship_to_firstname" 30 Optional Ext1Digest Text;
    ship_to_lastname "ship_to_lastname" 30 Optional Ext1Digest Text;
    registration_name "registration_name" 30 Optional Ext1Digest Text;
    registration_email "registration_email" 100 Optional Ext1Digest Email;
    registration_phone "registration_phone" 15 Optional Ext1Digest Text;
    buyerid_period "buyerid_period" 15 Optional Ext1Digest Digits;
    fnpay_mode "fnpay_mode" 1 Optional Ext1Digest OneOf(FnpayMode);
    bill_firstname "bill_firstname" 30 Optional Ext1Digest Text;
    bill_lastname "bill_lastname" 30 Optional Ext1Digest Text;
    expireddate "expireddate" 4 Optional Ext1Digest Expiry;
    cvv2 "cvv2" 3 Optional Ext1Digest Cvv2;
    bill_email "bill_email" 100 Optional Ext1Digest Email;
    bill_country "bill_country" 2 Optional Ext1Digest Country;
    bill_address "bill_address" 200 Optional Ext1Digest Text;
    bill_city "bill_city" 200 Optional Ext1Digest Text;
    bill_state "bill_state" 200 Optional Ext1Digest State;
    bill_zip "bill_zip" 20 Optional Ext1Digest Text;
    mdd07 "mdd07" 255 Optional Ext1Digest DateTimeText;
    mdd08 "mdd08" 255 Optional Ext1Digest DateTimeText;
    mdd09 "mdd09" 255 Optional Ext1Digest Text;
    mdd10 "mdd10" 255 Optional Ext1Digest OneOf(&["y", "n"]);
    mdd11 "mdd11" 255 Optional Ext1Digest Text;
    mdd12 "mdd12" 255 Optional Ext1Digest Text;
    mdd13 "mdd13" 255 Optional Ext1Digest Text;
    mdd14 "mdd14" 255 Optional Ext1Digest Text;
    mdd15 "mdd15" 255 Optional Ext1Digest Text;
    mdd16 "mdd16" 255 Optional Ext1Digest Text;
    mdd17 "mdd17" 255 Optional Ext1Digest Text;
    mdd18 "mdd18" 255 Optional Ext1Digest Text;
}

/// The international-card fields in the §5.4 `ext1src` order (which is the §2.1 table order).
pub const EXT1_FIELDS: &[&str] = &[
    "ship_to_country",
    "ship_to_state",
    "ship_to_city",
    "ship_to_street1",
    "ship_to_street2",
    "ship_to_phonenumber",
    "ship_to_postalcode",
    "ship_to_firstname",
    "ship_to_lastname",
    "registration_name",
    "registration_email",
    "registration_phone",
    "buyerid_period",
    "fnpay_mode",
    "bill_firstname",
    "bill_lastname",
    "expireddate",
    "cvv2",
    "bill_email",
    "bill_country",
    "bill_address",
    "bill_city",
    "bill_state",
    "bill_zip",
    "mdd07",
    "mdd08",
    "mdd09",
    "mdd10",
    "mdd11",
    "mdd12",
    "mdd13",
    "mdd14",
    "mdd15",
    "mdd16",
    "mdd17",
    "mdd18",
];

impl PayRequest {
    /// The charset §5.1 c signs this payData in: the one inputCharset names (2 GBK, 3
    /// GB2312), UTF-8 for 1, an unknown code or none (ERRATA E-CHARSET).
    pub fn charset(&self) -> crate::Charset {
        crate::Charset::declared_by(self.input_charset.as_deref())
    }
}
