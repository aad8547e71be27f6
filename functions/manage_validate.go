package functions

import (
	"regexp"
	"slices"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// Validation of a ClipManage request before anything is read or written:
// the target (clip id, ?officer=), the action and its fields.

const maxJustification = 2000

var actions = []string{ActionReclassify, ActionLinkIncident, ActionUnlinkIncident, ActionSetLegalHold, ActionClearLegalHold, ActionCorrectMetadata}

// clipIDShape is the form of every id clip.ID makes: "c" and 40 lower-case
// hex digits.
var clipIDShape = regexp.MustCompile(`^c[0-9a-f]{40}$`)

// validTarget checks the clip id and ?officer= before any database call:
// an odd value would otherwise reach Cosmos DB, whose 400 would come back
// as a 500 without a code. The officer rule is the metadata contract's.
func (a *App) validTarget(id, officer string) error {
	if !clipIDShape.MatchString(id) {
		return clip.Errorf(clip.Invalid, clip.CodeRequestMalformed,
			"%q is not a clip id: a clip id is \"c\" followed by 40 lower-case hex digits, as GET /api/clips/{id} and bwv status show it", truncate(id, 64))
	}
	officer = strings.TrimSpace(officer)
	if officer == "" {
		return nil
	}
	_, reasons := clip.ParseMetadata(map[string]string{clip.KeyOfficerID: officer}, 1, a.now(), clip.Rules{KnownCategory: a.Policy.Known})
	for _, r := range reasons {
		if r.Field == clip.KeyOfficerID {
			return clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "?officer=%q is not an officer id: it must be 1-16 letters or digits", truncate(officer, 64))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// mutation validates an action's fields and returns the change it makes.
// A reclassification records who set the categories when the platform
// vouched for the actor (CategoriesSetBy: they then count for a
// quarantined clip too); an unauthenticated one clears it.
func (a *App) mutation(action string, body ManageRequest, actor ResolvedActor) (func(*clip.Clip) error, error) {
	if body.Metadata != nil && action != ActionCorrectMetadata {
		return nil, clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "%s does not take \"metadata\" (only correct-metadata does)", action)
	}
	switch action {
	case ActionCorrectMetadata:
		return correctionMutation(body)
	case ActionReclassify:
		if len(body.Categories) == 0 {
			return nil, clip.Errorf(clip.Invalid, clip.CodeCategoriesMissing, "reclassify needs \"categories\": the full new list (e.g. [\"evidential\"])")
		}
		cats, err := a.validList(clip.KeyCategory, body.Categories, clip.MaxCategories, strings.ToLower)
		if err != nil {
			return nil, err
		}
		if len(cats) > 1 {
			cats = slices.DeleteFunc(cats, func(s string) bool { return s == clip.Uncategorised })
		}
		setBy := ""
		if actor.Authenticated {
			setBy = actor.Name
		}
		return func(c *clip.Clip) error { c.Categories, c.CategoriesSetBy = cats, setBy; return nil }, nil
	case ActionLinkIncident, ActionUnlinkIncident:
		if len(body.IncidentRefs) == 0 {
			return nil, clip.Errorf(clip.Invalid, clip.CodeIncidentRefsMissing, "%s needs \"incidentRefs\": one or more references", action)
		}
		refs, err := a.validList(clip.KeyIncidentRef, body.IncidentRefs, clip.MaxIncidentRefs, func(s string) string { return s })
		if err != nil {
			return nil, err
		}
		if action == ActionLinkIncident {
			return func(c *clip.Clip) error {
				for _, r := range refs {
					if !slices.Contains(c.IncidentRefs, r) {
						c.IncidentRefs = append(c.IncidentRefs, r)
					}
				}
				if len(c.IncidentRefs) > clip.MaxIncidentRefs {
					return clip.Errorf(clip.Invalid, clip.CodeIncidentRefInvalid, "a clip carries at most %d incident references", clip.MaxIncidentRefs)
				}
				return nil
			}, nil
		}
		return func(c *clip.Clip) error {
			for _, r := range refs {
				if !slices.Contains(c.IncidentRefs, r) {
					return clip.Errorf(clip.Invalid, clip.CodeIncidentRefNotLinked, "incident reference %q is not linked to this clip", r)
				}
			}
			c.IncidentRefs = slices.DeleteFunc(c.IncidentRefs, func(r string) bool { return slices.Contains(refs, r) })
			if c.IncidentRefs == nil {
				c.IncidentRefs = []string{}
			}
			return nil
		}, nil
	case ActionSetLegalHold, ActionClearLegalHold:
		if len(body.Categories) > 0 || len(body.IncidentRefs) > 0 {
			return nil, clip.Errorf(clip.Invalid, clip.CodeRequestMalformed, "%s takes only a justification", action)
		}
		hold := action == ActionSetLegalHold
		return func(c *clip.Clip) error { c.Retention.LegalHold = hold; return nil }, nil
	}
	return nil, clip.Errorf(clip.Invalid, clip.CodeActionUnknown, "unknown action %q", action)
}

// validList checks values against the metadata contract's rule for key
// (the one definition of a valid category or incident reference), and
// returns them trimmed, normalised and without duplicates.
func (a *App) validList(key string, values []string, maxItems int, norm func(string) string) ([]string, error) {
	var out []string
	for _, v := range values {
		v = norm(strings.TrimSpace(v))
		if v == "" || strings.Contains(v, ",") {
			code := clip.CodeCategoryInvalid
			if key == clip.KeyIncidentRef {
				code = clip.CodeIncidentRefInvalid
			}
			return nil, clip.Errorf(clip.Invalid, code, "%q is not a valid %s value (empty, or contains a comma)", v, key)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > maxItems {
		code := clip.CodeCategoryInvalid
		if key == clip.KeyIncidentRef {
			code = clip.CodeIncidentRefInvalid
		}
		return nil, clip.Errorf(clip.Invalid, code, "at most %d %s values", maxItems, key)
	}
	_, reasons := clip.ParseMetadata(map[string]string{key: strings.Join(out, ",")}, 1, a.now(), clip.Rules{KnownCategory: a.Policy.Known})
	for _, r := range reasons {
		if r.Field == key {
			return nil, clip.Errorf(clip.Invalid, r.Code, "%s", r.Message)
		}
	}
	return out, nil
}
