// Package wormfake is a FAKE of Azure Blob Storage's version-level
// immutability (WORM): an HTTP reverse proxy in front of Azurite, which
// answers 501 to Set Blob Immutability Policy, Delete Blob Immutability
// Policy and Set Blob Legal Hold. The fake implements those three
// operations itself and enforces them; every other request passes through
// to Azurite unchanged.
//
// What it models, per blob version (container, name, versionid; Azurite
// keeps no versions, so without a versionid a version is the content by its
// ETag, so new content under the name is another version):
//   - a time-based policy until a date, mode Unlocked (the date may be
//     moved either way, the policy deleted) or Locked (the date may only
//     move later; never unlocked or deleted); a date not in the future is
//     refused (400 InvalidHeaderValue), as Azure documents;
//   - a legal hold, set and cleared with x-ms-legal-hold;
//   - while a policy is unexpired or a hold is set, Delete Blob, Set Blob
//     Metadata, Set Blob Properties, Put Page and Append Block are refused
//     with 409 and x-ms-error-code BlobImmutableDueToPolicy /
//     BlobImmutableDueToLegalHold; index tags, reads, leases and the
//     protection calls themselves are allowed, as on Azure;
//   - new content written over a protected version (Put Blob, Put Block
//     List, Copy Blob onto it) is accepted, as Azure accepts it and keeps
//     the protected version as a previous version: the fake first copies
//     the protected content to the container wormfake-versions (Azurite
//     keeps no versions), and the new content starts unprotected;
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
// locked policy, whether Azure refuses Delete Blob of a protected current
// version or keeps it as a previous version (the fake refuses: the stricter
// reading; the sweep deletes a recorded version by id either way), the RBAC
// permission the function's identity needs to set and shorten policies and
// holds, and that container and account deletion is refused while
// protected blobs exist (the fake does not model container deletion). The
// fake does not check authorisation of the protection calls themselves.
package wormfake
