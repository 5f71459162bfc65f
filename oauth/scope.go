package oauth

import (
	"fmt"
	"slices"
	"strings"
)

// The scopes a client may ask for. Every grant may read; mcp:write lets it
// call the tools that change data too; toolsets:<name> names a toolset it
// may list and call (toolsets:all, every one). A scope that names no
// toolset gets the server's default toolsets. offline_access is accepted
// and changes nothing: every grant gets refresh tokens.
const (
	ScopeRead          = "mcp:read"
	ScopeWrite         = "mcp:write"
	ToolsetScopePrefix = "toolsets:"
	AllToolsets        = "all"
	scopeOfflineAccess = "offline_access"
	// maxScopeBytes bounds a scope parameter.
	maxScopeBytes = 2048
)

// Scope is what a grant allows: whether the client may change data, and
// the toolsets it may use (sorted; ["all"] for every one).
type Scope struct {
	Write    bool
	Toolsets []string
}

// Strings is the scope's canonical list: mcp:read, then mcp:write if
// granted, then one toolsets:<name> each.
func (sc Scope) Strings() []string {
	out := []string{ScopeRead}
	if sc.Write {
		out = append(out, ScopeWrite)
	}
	for _, t := range sc.Toolsets {
		out = append(out, ToolsetScopePrefix+t)
	}
	return out
}

// String is the space-separated list, as OAuth writes scopes.
func (sc Scope) String() string { return strings.Join(sc.Strings(), " ") }

// Covers reports whether the scope includes toolset name.
func (sc Scope) Covers(name string) bool {
	return slices.Contains(sc.Toolsets, AllToolsets) || slices.Contains(sc.Toolsets, name)
}

// SupportedScopes lists every scope a client may ask for, for the metadata.
func (s *Service) SupportedScopes() []string {
	out := []string{ScopeRead, ScopeWrite}
	for _, ts := range s.opts.Toolsets {
		out = append(out, ToolsetScopePrefix+ts.Name)
	}
	return append(out, ToolsetScopePrefix+AllToolsets)
}

// ChallengeScope is the scope /mcp asks for when it answers 401: reading
// and writing with the server's default toolsets (the toolsets are left
// out, so the consent page shows the defaults).
func (s *Service) ChallengeScope() string { return ScopeRead + " " + ScopeWrite }

// parseScope reads a scope parameter; empty asks for the challenge's
// (read and write, default toolsets). An unknown scope is an error saying
// which exist.
func (s *Service) parseScope(raw string) (Scope, error) {
	if len(raw) > maxScopeBytes {
		return Scope{}, fmt.Errorf("scope is %d bytes long; at most %d", len(raw), maxScopeBytes)
	}
	words := strings.Fields(raw)
	if len(words) == 0 {
		words = strings.Fields(s.ChallengeScope())
	}
	var sc Scope
	for _, w := range words {
		switch {
		case w == ScopeRead, w == scopeOfflineAccess:
		case w == ScopeWrite:
			sc.Write = true
		case strings.HasPrefix(w, ToolsetScopePrefix):
			name := strings.TrimPrefix(w, ToolsetScopePrefix)
			if _, ok := s.toolsets[name]; !ok && name != AllToolsets {
				return Scope{}, fmt.Errorf("scope %q names no toolset; the toolsets are %s", w, strings.Join(s.toolsetNames(), ", "))
			}
			if !slices.Contains(sc.Toolsets, name) {
				sc.Toolsets = append(sc.Toolsets, name)
			}
		default:
			return Scope{}, fmt.Errorf("unknown scope %q; the scopes are %s", w, strings.Join(s.SupportedScopes(), ", "))
		}
	}
	if len(sc.Toolsets) == 0 {
		sc.Toolsets = slices.Clone(s.opts.DefaultToolsets)
	}
	if slices.Contains(sc.Toolsets, AllToolsets) {
		sc.Toolsets = []string{AllToolsets}
	}
	slices.Sort(sc.Toolsets)
	return sc, nil
}

// storedScope reads a grant's stored scope list, which parseScope wrote;
// a toolset no longer known is dropped.
func (s *Service) storedScope(words []string) Scope {
	var sc Scope
	for _, w := range words {
		switch {
		case w == ScopeWrite:
			sc.Write = true
		case strings.HasPrefix(w, ToolsetScopePrefix):
			name := strings.TrimPrefix(w, ToolsetScopePrefix)
			if _, ok := s.toolsets[name]; ok || name == AllToolsets {
				sc.Toolsets = append(sc.Toolsets, name)
			}
		}
	}
	return sc
}

func (s *Service) toolsetNames() []string {
	var out []string
	for _, ts := range s.opts.Toolsets {
		out = append(out, ts.Name)
	}
	return append(out, AllToolsets)
}
