package redact

import "strings"

// Tokens that stand for a secret in redacted facts while keeping what the
// checks judge about it: whether it was encrypted, and for Workbench with
// which key (the CRC32 prefix is not secret: every encrypted value shows it).
const (
	TokenSecret            = "[REDACTED:secret]"
	TokenConnectEncrypted  = "[REDACTED:connect-encrypted]"
	tokenWorkbenchEncPrefx = "[REDACTED:workbench-encrypted:"
)

// Token replaces a secret value with the token that describes it.
func Token(v string) string {
	t := strings.TrimSpace(v)
	switch {
	case t == "":
		return v
	case strings.HasPrefix(t, "[REDACTED"):
		return t
	}
	// Workbench's format first: it is also valid base64, so the Connect
	// test would take it too and lose which key encrypted it.
	if crc, ok := WorkbenchEncrypted(t); ok {
		return tokenWorkbenchEncPrefx + crc + "]"
	}
	if ConnectEncrypted(t) {
		return TokenConnectEncrypted
	}
	return TokenSecret
}
