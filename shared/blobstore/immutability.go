package blobstore

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Storage-level protection of one blob version: a time-based immutability
// policy (Set Blob Immutability Policy, comp=immutabilityPolicies) and a
// legal hold (Set Blob Legal Hold, comp=legalhold), both per version where
// the account keeps versions (versionid). While either is in force Storage
// refuses to delete or overwrite the version (409), whoever asks.
//
// Neither call changes the blob's ETag, so records that name a version by
// ETag stay valid. Azurite answers 501 to all three; locally the enforcing
// fake (internal/wormfake) stands in front of it (docs/platform-facts.md).

// codeLegalHoldRefusal is Storage's error code for a write refused by a
// legal hold (the SDK names only the policy's).
const codeLegalHoldRefusal bloberror.Code = "BlobImmutableDueToLegalHold"

// versionClient addresses one version ("" = the current blob).
func (s *Store) versionClient(container, name, versionID string) (*blob.Client, error) {
	bc := s.client.ServiceClient().NewContainerClient(container).NewBlobClient(name)
	if versionID == "" {
		return bc, nil
	}
	vc, err := bc.WithVersionID(versionID)
	if err != nil {
		return nil, clip.Wrap(clip.Internal, err, "addressing version %s of %s/%s", versionID, container, name)
	}
	return vc, nil
}

// ProtectionOf reads a version's immutability policy and legal hold.
func (s *Store) ProtectionOf(ctx context.Context, container, name, versionID string) (clip.Protection, error) {
	bc, err := s.versionClient(container, name, versionID)
	if err != nil {
		return clip.Protection{}, err
	}
	r, err := bc.GetProperties(ctx, nil)
	if err != nil {
		return clip.Protection{}, classify(err, "reading the protection of %s/%s", container, name)
	}
	return protectionOf(r), nil
}

func protectionOf(r blob.GetPropertiesResponse) clip.Protection {
	var p clip.Protection
	if r.ImmutabilityPolicyExpiresOn != nil {
		u := r.ImmutabilityPolicyExpiresOn.UTC()
		p.Until = &u
		p.Locked = r.ImmutabilityPolicyMode != nil && *r.ImmutabilityPolicyMode == blob.ImmutabilityPolicyModeLocked
	}
	p.LegalHold = r.LegalHold != nil && *r.LegalHold
	return p
}

// SetImmutability sets the version's time-based immutability policy to
// until (Unlocked, or Locked when locked). It replaces the date: callers
// that must only extend read ProtectionOf first. Storage refuses a date in
// the past, and any shortening of a Locked policy
// (IMMUTABILITY_POLICY_LOCKED).
func (s *Store) SetImmutability(ctx context.Context, container, name, versionID string, until time.Time, locked bool) error {
	bc, err := s.versionClient(container, name, versionID)
	if err != nil {
		return err
	}
	mode := blob.ImmutabilityPolicySettingUnlocked
	if locked {
		mode = blob.ImmutabilityPolicySettingLocked
	}
	_, err = bc.SetImmutabilityPolicy(ctx, until.UTC(), &blob.SetImmutabilityPolicyOptions{Mode: &mode})
	return classifyProtection(err, "setting the immutability policy of %s/%s until %s", container, name, until.UTC().Format(time.RFC3339))
}

// DeleteImmutability removes an Unlocked policy (a Locked one cannot be:
// IMMUTABILITY_POLICY_LOCKED). A version without a policy is not an error.
func (s *Store) DeleteImmutability(ctx context.Context, container, name, versionID string) error {
	bc, err := s.versionClient(container, name, versionID)
	if err != nil {
		return err
	}
	_, err = bc.DeleteImmutabilityPolicy(ctx, nil)
	return classifyProtection(err, "deleting the immutability policy of %s/%s", container, name)
}

// SetLegalHold sets or clears the version's legal hold.
func (s *Store) SetLegalHold(ctx context.Context, container, name, versionID string, hold bool) error {
	bc, err := s.versionClient(container, name, versionID)
	if err != nil {
		return err
	}
	_, err = bc.SetLegalHold(ctx, hold, nil)
	return classifyProtection(err, "setting legal hold=%v on %s/%s", hold, container, name)
}

// classifyProtection is classify for the protection calls: a 501 (Azurite,
// or an account without the feature) is IMMUTABILITY_UNSUPPORTED, a locked
// policy IMMUTABILITY_POLICY_LOCKED, never a silent success.
func classifyProtection(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch {
		case re.StatusCode == http.StatusNotImplemented:
			e := clip.Wrap(clip.Internal, err, format+": Storage does not implement immutability here", args...)
			e.Code = clip.CodeImmutabilityUnsupported
			return e
		case bloberror.HasCode(err, bloberror.ImmutabilityPolicyDeleteOnLockedPolicy, codeImmutabilityLocked):
			e := clip.Wrap(clip.Refused, err, format, args...)
			e.Code = clip.CodeImmutabilityLocked
			return e
		case re.StatusCode == http.StatusConflict && bloberror.HasCode(err, codeVersionLevelWormNotEnabled, codeContainerNotWormEnabled):
			e := clip.Wrap(clip.Internal, err, format+": the container is not enabled for version-level immutability", args...)
			e.Code = clip.CodeImmutabilityUnsupported
			return e
		case re.StatusCode == http.StatusNotFound || re.StatusCode == http.StatusTooManyRequests ||
			re.StatusCode == http.StatusRequestTimeout || re.StatusCode >= 500:
			return classify(err, format, args...) // BLOB_GONE / STORAGE_UNAVAILABLE
		}
		// Any other refusal (a 403, a 400 for a date, an unlisted 409) is
		// not "the blob changed": nothing about the content is in doubt,
		// the protection call itself failed. Never BLOB_CHANGED, which a
		// caller would take for a race and answer 412 or retry into poison.
		e := clip.Wrap(clip.Internal, err, format, args...)
		e.Code = clip.CodeImmutabilityFailed
		return e
	}
	return classify(err, format, args...)
}

// Codes Storage uses for a locked policy that cannot be shortened, and for
// a container without version-level immutability support (only Azure can
// confirm the exact spelling; docs/platform-facts.md).
const (
	codeImmutabilityLocked         bloberror.Code = "ImmutabilityPolicyLocked"
	codeVersionLevelWormNotEnabled bloberror.Code = "VersionLevelWormNotEnabled"
	codeContainerNotWormEnabled    bloberror.Code = "ImmutableStorageWithVersioningNotEnabled"
)

// immutableRefusal maps a write refused by a policy or a legal hold to a
// Refused error (BLOB_IMMUTABLE / BLOB_LEGAL_HOLD), or returns nil.
func immutableRefusal(err error, what string) error {
	switch {
	case bloberror.HasCode(err, bloberror.BlobImmutableDueToPolicy):
		e := clip.Wrap(clip.Refused, err, "%s: Storage refused, the version is under an immutability policy", what)
		e.Code = clip.CodeBlobImmutable
		return e
	case bloberror.HasCode(err, codeLegalHoldRefusal):
		e := clip.Wrap(clip.Refused, err, "%s: Storage refused, the version is on legal hold", what)
		e.Code = clip.CodeBlobLegalHold
		return e
	}
	return nil
}
