// Package httpvendor is the lockers driver for banks run by a vendor's
// cloud API: list compartments, reserve one for an external id, open with
// an Idempotency-Key, read the status of one or all, and receive door
// events on an HMAC-signed webhook. README.md specifies the endpoints and
// payloads for vendors; contract.go holds them as Go types, with Sign and
// VerifySignature for the webhook.
//
// The driver registers the schemes https and http with the lockers
// registry:
//
//	d, err := lockers.Open(ctx, "https://vendor.example/api?bank=LOCKER1&key_env=VENDOR_KEY&webhook_secret_env=VENDOR_HOOK_SECRET")
//
// The key travels in a header only (Authorization: Bearer, or X-API-Key
// with auth=header) and never appears in errors. Reads, deletes and
// requests with an Idempotency-Key are retried after transport errors,
// 429, 502, 503 and 504; nothing else is. An open is confirmed by reading
// the status (or a webhook event) until the lock shows released or the
// door open, with lockers.ConfirmOpen. The gateway mounts WebhookHandler
// at the URL it gives the vendor; vendortest.Server is an in-process fake
// of a vendor for tests.
package httpvendor
