package fake

import (
	"os"
	"strings"
)

func osStat(p string) (os.FileInfo, error) { return os.Stat(p) }

func containsString(s, sub string) bool { return strings.Contains(s, sub) }
