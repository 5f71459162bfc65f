package gateway

import "testing"

// dropNullUsage removes the top-level "usage": null of a chunk and nothing
// else; any other event comes back as it was.
func TestDropNullUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"data: {\"id\":\"a\",\"choices\":[],\"usage\":null}\n\n", "data: {\"id\":\"a\",\"choices\":[]}\n\n"},
		{"data: {\"usage\":null,\"id\":\"a\"}\n\n", "data: {\"id\":\"a\"}\n\n"},
		{"data: {\"id\":\"a\",\"usage\":null,\"x\":1}\r\n\r\n", "data: {\"id\":\"a\",\"x\":1}\r\n\r\n"},
		{"data:{ \"usage\" : null , \"id\":\"a\"}\n\n", "data:{ \"id\":\"a\"}\n\n"},
		{"data: {\"id\":\"a\", \"usage\": null}\n\n", "data: {\"id\":\"a\"}\n\n"},
		{"event: x\ndata: {\"usage\":null}\n\n", "event: x\ndata: {}\n\n"},
		// Kept: a usage with counts, a nested null usage, text that says it,
		// several data lines, no JSON.
		{"data: {\"id\":\"a\",\"usage\":{\"prompt_tokens\":1}}\n\n", ""},
		{"data: {\"id\":\"a\",\"choices\":[{\"usage\":null}]}\n\n", ""},
		{"data: {\"id\":\"a\",\"text\":\"\\\"usage\\\":null\"}\n\n", ""},
		{"data: {\"id\":\"a\",\ndata: \"usage\":null}\n\n", ""},
		{"data: [DONE]\n\n", ""},
	} {
		want := c.want
		if want == "" {
			want = c.in
		}
		if got := string(dropNullUsage([]byte(c.in))); got != want {
			t.Errorf("dropNullUsage(%q) = %q, want %q", c.in, got, want)
		}
	}
}
