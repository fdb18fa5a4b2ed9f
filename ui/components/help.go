package components

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/envbench/envbench/ui/theme"
)

// ShortHelp renders bindings as "key desc  key desc", dropping those that
// do not fit in width.
func ShortHelp(styles *theme.Styles, width int, bindings []key.Binding) string {
	var b strings.Builder
	used := 0
	seen := map[key.Help]bool{}
	for _, k := range bindings {
		h := k.Help()
		if !k.Enabled() || h.Key == "" || seen[h] {
			continue
		}
		seen[h] = true
		w := ansi.StringWidth(h.Key) + 1 + ansi.StringWidth(h.Desc)
		sep := 0
		if used > 0 {
			sep = 2
		}
		if used+sep+w > width {
			break
		}
		if sep > 0 {
			b.WriteString("  ")
		}
		b.WriteString(styles.HelpKey.Render(h.Key))
		b.WriteByte(' ')
		b.WriteString(styles.HelpDesc.Render(h.Desc))
		used += sep + w
	}
	return b.String()
}
