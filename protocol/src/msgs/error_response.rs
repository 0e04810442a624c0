//! The error answer of §3.4 and §3.8: `ERRORCODE=…&ERRORMSG=…`.

message! {
    /// `ERRORCODE=001& ERRORMSG=商户号不能为空` (§3.8) or
    /// `ERRORCODE=错误编码&ERRORMSG="错误信息"` (§3.4): not URL-encoded, possibly with a
    /// space after `&` and quotes around the message.
    ErrorResponse {
        kind: ErrorResponse, section: "3.8", title: "异常响应报文",
        versions: [], wire: ErrorText, scheme: Unsigned,
    }
    errorcode "ERRORCODE" 20 Required NotSigned Text;
    errormsg "ERRORMSG" 256 Optional NotSigned Text;
}
