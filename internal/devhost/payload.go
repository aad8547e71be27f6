package devhost

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file builds the {Data, Metadata} values the way the real host does in
// ScriptInvocationContextExtensions.ToHttpScriptInvocationContext and
// GetHttpScriptInvocationContextValue (azure-functions-host,
// src/WebJobs.Script/Workers/MessageExtensions): every value goes through
// JObject.FromObject, and what is not an object (a string, a number, a date)
// is replaced by JsonConvert.SerializeObject(value) — its JSON text, as a
// string. So a queue message `hello` arrives as Data.msg = "\"hello\"" and
// DequeueCount 1 as "1". Binding-data keys ending in "trigger" are left out of
// Metadata, and the HTTP request itself is sent only in Data.

// The trigger values themselves (the HTTP request, the timer's info, the
// http output) and the unwrapping of double-encoded values are
// shared/funchost's: one definition for this host and the handler.

// invocationRequest is the body the host POSTs to /<FunctionName>.
type invocationRequest struct {
	Data     map[string]any `json:"Data"`
	Metadata map[string]any `json:"Metadata"`
}

// invocationResult is the handler's answer (HttpScriptInvocationResult).
type invocationResult struct {
	Outputs     map[string]json.RawMessage `json:"Outputs"`
	Logs        []string                   `json:"Logs"`
	ReturnValue json.RawMessage            `json:"ReturnValue"`
}

// sysMetadata is Metadata.sys (SystemBindingData).
type sysMetadata struct {
	MethodName string `json:"MethodName"`
	UtcNow     string `json:"UtcNow"`
	RandGuid   string `json:"RandGuid"`
}

func newSys(fn string, now time.Time) sysMetadata {
	return sysMetadata{MethodName: fn, UtcNow: dotnetUTC(now), RandGuid: newUUID()}
}

// serializedString is JsonConvert.SerializeObject(s): the JSON text of s.
func serializedString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// dotnetUTC formats a UTC DateTime as Newtonsoft does: seven fractional digits
// with trailing zeros trimmed, and "Z".
func dotnetUTC(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.9999999Z")
}

// dotnetOffset formats a DateTimeOffset as Newtonsoft does:
// 2026-09-24T13:08:00.0096035+00:00.
func dotnetOffset(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.9999999-07:00")
}

// storageTime formats a Storage timestamp (whole seconds) as the queue
// trigger's metadata carries it: 2025-02-25T03:06:19+00:00.
func storageTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05-07:00")
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// queueMessageMetadata is the binding data of a queue trigger, as captured
// from the real host: DequeueCount as a string, the times without quotes, Id
// and PopReceipt as quoted JSON strings. For a message that is a JSON object,
// each top-level property is added as well (the queue trigger's binding data
// contract), objects as objects and everything else as its JSON text.
func queueMessageMetadata(fn string, now time.Time, m queueMessage, text []byte) map[string]any {
	md := map[string]any{
		"DequeueCount":    strconv.FormatInt(m.DequeueCount, 10),
		"ExpirationTime":  storageTime(m.ExpirationTime),
		"Id":              serializedString(m.ID),
		"InsertionTime":   storageTime(m.InsertionTime),
		"NextVisibleTime": storageTime(m.NextVisibleTime),
		"PopReceipt":      serializedString(m.PopReceipt),
		"sys":             newSys(fn, now),
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(text, &obj) == nil {
		for k, v := range obj {
			if _, taken := md[k]; taken || strings.HasSuffix(strings.ToLower(k), "trigger") {
				continue
			}
			if len(v) > 0 && v[0] == '{' {
				md[k] = v
			} else {
				md[k] = string(v)
			}
		}
	}
	return md
}
