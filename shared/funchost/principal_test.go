package funchost

import (
	"reflect"
	"testing"
)

func TestClientPrincipalRoundTripsAndReadsNameAndRoles(t *testing.T) {
	p := ClientPrincipal{AuthType: "aad", NameType: ClaimTypeName, RoleType: ClaimTypeRoles, Claims: []Claim{
		{Type: "aud", Value: "api://app"}, {Type: ClaimTypeName, Value: " DC 4471 Smith "},
		{Type: "roles", Value: "BWV.Clips.Read"}, {Type: ClaimTypeRole, Value: "BWV.Clips.Protect"}, {Type: "roles", Value: "BWV.Clips.Read"},
		{Type: "groups", Value: "BWV.Clips.Release"},
	}}
	got, err := DecodeClientPrincipal(p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip = %+v, want %+v", got, p)
	}
	if got.Name() != "DC 4471 Smith" {
		t.Errorf("Name() = %q", got.Name())
	}
	// A group claim is not a role; duplicates collapse.
	if want := []string{"BWV.Clips.Read", "BWV.Clips.Protect"}; !reflect.DeepEqual(got.Roles(), want) {
		t.Errorf("Roles() = %q, want %q", got.Roles(), want)
	}
	if _, err := DecodeClientPrincipal("not base64 ~~"); err == nil {
		t.Error("malformed header decoded")
	}
	for _, h := range []string{"X-MS-CLIENT-PRINCIPAL", "x-ms-client-principal-name", "X-Ms-Client-Principal-Roles"} {
		if !IsPrincipalHeader(h) {
			t.Errorf("IsPrincipalHeader(%q) = false", h)
		}
	}
	if IsPrincipalHeader("X-MS-CLIENT-IP") {
		t.Error("X-MS-CLIENT-IP is not a principal header")
	}
}
