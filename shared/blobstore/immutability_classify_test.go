package blobstore

import (
	"errors"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// A protection call Storage refuses for a reason other than the listed
// ones is IMMUTABILITY_FAILED (the alert's prefix), never BLOB_CHANGED (a
// race to a caller, who would answer 412 or retry into poison) and never a
// code-less Internal. A missing version stays BLOB_GONE and throttling or
// a 5xx stays STORAGE_UNAVAILABLE (retried).
func TestProtectionFailuresAreCodedImmutabilityFailed(t *testing.T) {
	cases := []struct {
		status int
		code   string
		kind   clip.Kind
		want   clip.Code
	}{
		{409, "SomethingNew", clip.Internal, clip.CodeImmutabilityFailed},
		{403, "AuthorizationPermissionMismatch", clip.Internal, clip.CodeImmutabilityFailed},
		{400, "InvalidHeaderValue", clip.Internal, clip.CodeImmutabilityFailed},
		{404, "BlobNotFound", clip.NotFound, clip.CodeBlobGone},
		{503, "ServerBusy", clip.Transient, clip.CodeStorageUnavailable},
		{429, "", clip.Transient, clip.CodeStorageUnavailable},
		{501, "", clip.Internal, clip.CodeImmutabilityUnsupported},
		{409, "ImmutabilityPolicyLocked", clip.Refused, clip.CodeImmutabilityLocked},
	}
	for _, c := range cases {
		err := classifyProtection(&azcore.ResponseError{StatusCode: c.status, ErrorCode: c.code}, "setting the policy of %s", "x")
		var ce *clip.Error
		if !errors.As(err, &ce) || ce.Kind != c.kind || ce.Code != c.want {
			t.Errorf("%d %s: %v (kind %v, code %s); want %v %s", c.status, c.code, err, clip.KindOf(err), clip.CodeOf(err), c.kind, c.want)
		}
	}
}
