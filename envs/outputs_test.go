package envs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOutputsRoundTrip(t *testing.T) {
	path := OutputsPath(t.TempDir(), "dev-alice")
	outs := Outputs{
		"db_endpoint": {Value: []byte(`"db.internal:5432"`), Type: []byte(`"string"`)},
		"ports":       {Value: []byte(`[80, 443]`), Type: []byte(`["list","number"]`)},
		"db-password": {Value: []byte(`"hunter2"`), Type: []byte(`"string"`), Sensitive: true},
	}
	if err := WriteOutputs(path, outs); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("outputs file mode %v, want 0600: it may hold secrets", info.Mode().Perm())
	}
	got, err := ReadOutputs(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Names(), []string{"db-password", "db_endpoint", "ports"}) {
		t.Fatalf("names %v", got.Names())
	}
	env := got.Environ()
	want := []string{"ENVBENCH_OUTPUT_DB_PASSWORD=hunter2", "ENVBENCH_OUTPUT_DB_ENDPOINT=db.internal:5432", "ENVBENCH_OUTPUT_PORTS=[80,443]"}
	if !slices.Equal(env, want) {
		t.Errorf("Environ = %q, want %q", env, want)
	}
	j := got.ForJournal(path)
	if j["db_endpoint"] != "db.internal:5432" {
		t.Errorf("journal db_endpoint = %q", j["db_endpoint"])
	}
	if j["db-password"] != OutputRefPrefix+path+"#db-password" {
		t.Errorf("journal db-password = %q, want a reference", j["db-password"])
	}
	for _, v := range j {
		if strings.Contains(v, "hunter2") {
			t.Fatalf("a sensitive value reached the journal's form: %q", v)
		}
	}
	if d := got["db-password"].Display(); d != "(sensitive)" {
		t.Errorf("Display of a sensitive output = %q", d)
	}
}

func TestReadOutputsMissing(t *testing.T) {
	_, err := ReadOutputs(filepath.Join(t.TempDir(), "none.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
}

func TestDecodeOutputsErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"not json", `{`, "f.json: not an outputs file"},
		{"array", `[]`, "f.json: not an outputs file"},
		{"unknown field", `{"a":{"value":1,"colour":2}}`, "f.json: not an outputs file"},
		{"bad name", `{"a b":{"value":1}}`, `output "a b": not a Terraform output name`},
		{"no value", `{"a":{"sensitive":true}}`, `output "a" has no value`},
		{"trailing", `{} {}`, "unexpected data after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeOutputs([]byte(tc.data), "f.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func FuzzDecodeOutputs(f *testing.F) {
	f.Add([]byte(`{"a":{"value":"x","type":"string","sensitive":false}}`))
	f.Add([]byte(`{"b":{"value":[1,{"c":null}],"sensitive":true}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		outs, err := DecodeOutputs(data, "fuzz.json")
		if err != nil {
			return
		}
		for _, name := range outs.Names() {
			o := outs[name]
			_ = o.Text()
			if o.Sensitive && o.Display() != "(sensitive)" {
				t.Fatalf("sensitive output %q displayed", name)
			}
		}
		_ = outs.Environ()
		for name, v := range outs.ForJournal("p") {
			if outs[name].Sensitive && !strings.HasPrefix(v, OutputRefPrefix) {
				t.Fatalf("sensitive output %q journaled by value", name)
			}
		}
	})
}
