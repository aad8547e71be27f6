// Package wormfake is a FAKE of Azure Blob Storage's version-level
// immutability (WORM): an HTTP reverse proxy in front of Azurite, which
// answers 501 to Set Blob Immutability Policy, Delete Blob Immutability
// Policy and Set Blob Legal Hold. The fake implements those three
// operations itself and enforces them; every other request passes through
// to Azurite unchanged.
//
// What it models, per blob version (container, name, versionid; Azurite
// keeps no versions, so without a versionid a version is the content by its
// ETag: an overwrite that bypasses the fake, standing for Azure keeping the
// protected version as a previous one, leaves new content unprotected):
//   - a time-based policy until a date, mode Unlocked (the date may be
//     moved either way, the policy deleted) or Locked (the date may only
//     move later; never unlocked or deleted); a date not in the future is
//     refused (400 InvalidHeaderValue), as Azure documents;
//   - a legal hold, set and cleared with x-ms-legal-hold;
//   - while a policy is unexpired or a hold is set, Delete Blob, Put Blob,
//     Copy Blob onto it, Put Block List, Set Blob Metadata, Set Blob
//     Properties, Put Page and Append Block are refused with 409 and
//     x-ms-error-code BlobImmutableDueToPolicy / BlobImmutableDueToLegalHold;
//     index tags, reads, leases and the protection calls themselves are
//     allowed, as on Azure;
//   - Get Blob Properties and Get Blob answers carry
//     x-ms-immutability-policy-until-date, x-ms-immutability-policy-mode
//     and x-ms-legal-hold; List Blobs answers carry the same in each blob's
//     Properties (ImmutabilityPolicyUntilDate, ImmutabilityPolicyMode,
//     LegalHold);
//   - policies expire by an injected clock (Options.Clock), so tests move
//     time instead of waiting.
//
// What only Azure can confirm: that the container really has version-level
// immutability enabled (Terraform), the exact error codes for shortening a
// locked policy, which operations Azure blocks on a protected current
// version while versioning is on (it keeps previous versions), the RBAC
// permission the function's identity needs to set and shorten policies and
// holds, and that container and account deletion is refused while
// protected blobs exist (the fake does not model container deletion). The
// fake does not check authorisation of the protection calls themselves.
package wormfake
