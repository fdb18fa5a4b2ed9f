package envs

import (
	"bytes"
	"strings"
	"testing"
)

const wrappedPlan = `{"format_version":"1.2","terraform_version":"1.5.7","resource_changes":[]}`

func TestStripWrapper(t *testing.T) {
	preamble := "[command]/home/runner/work/_temp/0d4e6f3c-3b1a-4c8e-9f1e-5b6a7c8d9e0f/terraform-bin show -json plan.tfplan\n"
	cases := []struct {
		name     string
		in       string
		want     string
		commands int
		trailer  int
	}{
		{"plain JSON", wrappedPlan + "\n", wrappedPlan + "\n", 0, 0},
		{"preamble", preamble + wrappedPlan + "\n", "\n" + wrappedPlan + "\n", 1, 0},
		{"preamble and debug trailer", preamble + wrappedPlan + "\n" +
			"::debug::Terraform exited with code 0.\n::debug::stdout: " + wrappedPlan + "%0A\n::debug::stderr: \n::debug::exitcode: 0\n",
			"\n" + wrappedPlan + "\n", 1, 4},
		{"set-output trailer", preamble + wrappedPlan + "\n" +
			"::set-output name=stdout::" + wrappedPlan + "%0A\n::set-output name=stderr::\n::set-output name=exitcode::0\n",
			"\n" + wrappedPlan + "\n", 1, 3},
		{"stdout stderr exitcode lines", preamble + wrappedPlan + "\nstdout: " + wrappedPlan + "\nstderr: \nexitcode: 0\n",
			"\n" + wrappedPlan + "\n", 1, 3},
		{"CRLF", strings.ReplaceAll(preamble+wrappedPlan+"\n::debug::exitcode: 0\n", "\n", "\r\n"), "\n" + wrappedPlan + "\r\n", 1, 1},
		{"pretty JSON keeps its lines", preamble + "{\n  \"format_version\": \"1.2\"\n}\n", "\n{\n  \"format_version\": \"1.2\"\n}\n", 1, 0},
		{"only wrapper lines", preamble + "::debug::exitcode: 1\n", preamble + "::debug::exitcode: 1\n", 0, 0},
		{"empty", "", "", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, w := StripWrapper([]byte(tc.in))
			if string(got) != tc.want || w.Commands != tc.commands || w.Trailer != tc.trailer {
				t.Errorf("StripWrapper(%q) = %q, %+v; want %q, {%d %d}", tc.in, got, w, tc.want, tc.commands, tc.trailer)
			}
			if w.Stripped() && strings.Contains(w.String(), "terraform-bin") {
				t.Errorf("the report repeats a stripped line: %s", w)
			}
		})
	}
}

// TestStripWrapperKeepsPositions: an error in the JSON is reported at its
// line in the file, preamble included.
func TestStripWrapperKeepsPositions(t *testing.T) {
	in := "[command]/tmp/terraform-bin show -json plan.tfplan\n{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [}\n::debug::exitcode: 0\n"
	data, w := StripWrapper([]byte(in))
	if !w.Stripped() {
		t.Fatal("nothing stripped")
	}
	if _, err := DecodePlan(data); err == nil || !strings.HasPrefix(err.Error(), "4:") {
		t.Errorf("DecodePlan error %v, want it on line 4", err)
	}
}

func FuzzStripWrapper(f *testing.F) {
	f.Add([]byte("[command]/x/terraform-bin show -json p\n" + wrappedPlan + "\n::debug::exitcode: 0\n"))
	f.Add([]byte(wrappedPlan))
	f.Add([]byte("\n\n[command]\r\n::\nstdout:"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, w := StripWrapper(in)
		if !w.Stripped() && !bytes.Equal(out, in) {
			t.Fatalf("nothing reported stripped, yet the data changed: %q -> %q", in, out)
		}
		if len(out) > len(in) || bytes.Count(out, []byte("\n")) > bytes.Count(in, []byte("\n")) {
			t.Fatalf("stripping grew the data: %q -> %q", in, out)
		}
		if again, w2 := StripWrapper(out); w2.Stripped() || !bytes.Equal(again, out) {
			t.Fatalf("stripping twice strips again: %q -> %q -> %q (%+v)", in, out, again, w2)
		}
	})
}
