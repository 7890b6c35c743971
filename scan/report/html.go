package report

import (
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/rampart-api/rampart/scan"
)

// The page is one file with inline CSS and no script or external asset,
// so it can be attached to a CI run and opened anywhere.
//
// It is parsed on first use, not at start: the gateway links this
// package but never renders a report.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{"upper": strings.ToUpper, "code": codeSpans, "cwe": cwe}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rampart scan: {{.Rep.Target}}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}.sub{color:#5b6475;margin:0 0 20px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:20px}
.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:96px;box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:26px}
table{border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px #0001;margin-bottom:24px}
td,th{padding:6px 14px;text-align:left;border-bottom:1px solid #eceef2}
.f{background:#fff;border-radius:8px;padding:14px 18px;margin:0 0 14px;box-shadow:0 1px 2px #0001;border-left:5px solid #aab}
.f h3{margin:0 0 6px;font-size:16px}.f p{margin:4px 0}
code,pre{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{background:#f1f3f6;padding:8px;border-radius:6px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.sev{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;font-weight:600;margin-right:6px}
.critical{background:#7b1fa2;border-color:#7b1fa2}.high{background:#c62828;border-color:#c62828}.medium{background:#e08a00;border-color:#e08a00}
.low{background:#0277bd;border-color:#0277bd}.info{background:#78909c;border-color:#78909c}
.f.critical,.f.high,.f.medium,.f.low,.f.info{background:#fff}
.fix{background:#e8f5e9;padding:6px 10px;border-radius:6px}
.notes{color:#5b6475}
.banner{background:#fdecea;border-left:5px solid #c62828;padding:10px 16px;border-radius:8px;margin-bottom:16px}
.run{background:#fff;border-radius:8px;padding:10px 16px;margin-bottom:16px;box-shadow:0 1px 2px #0001}
.run p{margin:2px 0}.also{color:#5b6475;font-size:13px}
</style></head><body><main>
<h1>Rampart scan of {{.Rep.Target}}</h1>
<p class="sub">{{len .Rep.Findings}} findings · {{.Rep.Requests}} requests · {{len .Rep.Operations}} operations · started {{.Rep.Started.UTC.Format "2006-01-02 15:04 UTC"}}{{if .Version}} · rampart {{.Version}}{{end}}</p>
{{if eq .Rep.Status "incomplete"}}<div class="banner"><b>Scan incomplete:</b> a clean result proves nothing.<ul>{{range .Rep.Errors}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
<div class="run">{{if .Rep.Source}}<p><b>Operations:</b> {{.Rep.Source}}</p>{{end}}{{if .Rep.Auth}}<p><b>Tokens sent as:</b> <code>{{.Rep.Auth}}</code></p>{{end}}{{range .Rep.Baseline}}<p><b>Baseline:</b> {{.}}</p>{{end}}
{{if .Rep.Skipped}}<p><b>Skipped checks:</b></p><ul>{{range .Rep.Skipped}}<li>{{.}}</li>{{end}}</ul>{{end}}</div>
<div class="cards">{{range .Sev}}<div class="card"><b>{{.N}}</b><span class="sev {{.Name}}">{{upper .Name}}</span></div>{{end}}</div>
{{if .OWASP}}<table><tr><th>OWASP API Top 10 (2023)</th><th>Findings</th></tr>{{range .OWASP}}<tr><td>{{.Name}}</td><td>{{.N}}</td></tr>{{end}}</table>{{end}}
{{range .Rep.Findings}}<section class="f {{.Severity}}">
<h3><span class="sev {{.Severity}}">{{upper .Severity.String}}</span>{{.Title}}</h3>
<p><code>{{.Check}}</code> · {{.OWASP}}{{cwe .CWE " · "}} · <code>{{.Operation}}</code></p>
{{if .Occurrences}}<p class="also">Same root cause, also at: {{range $i, $o := .Occurrences}}{{if $i}}, {{end}}<code>{{$o}}</code>{{end}}</p>{{end}}
<p>{{code .Detail}}</p>
<pre>{{.Evidence.Request}}{{if .Evidence.Status}}
→ {{.Evidence.Status}} {{.Evidence.Response}}{{else if .Evidence.Response}}
→ {{.Evidence.Response}}{{end}}</pre>
<p class="fix"><b>Fix with Rampart:</b> {{code .Remedy}}</p>
{{if .Fix}}<p class="fix"><b>Fix in the application:</b> {{code .Fix}}</p>{{end}}
</section>
{{else}}<p>No findings.</p>{{end}}
{{if .Rep.Notes}}<h2>Notes</h2><ul class="notes">{{range .Rep.Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</main></body></html>
`))
})

// codeSpans escapes s and renders `quoted` parts as code.
func codeSpans(s string) template.HTML {
	parts := strings.Split(s, "`")
	var b strings.Builder
	for i, p := range parts {
		e := template.HTMLEscapeString(p)
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<code>" + e + "</code>")
		} else {
			if i%2 == 1 {
				b.WriteString("`")
			}
			b.WriteString(e)
		}
	}
	return template.HTML(b.String())
}

func writeHTML(w io.Writer, rep *scan.Report, opts Options) error {
	return page().Execute(w, struct {
		Rep     *scan.Report
		Sev     []count
		OWASP   []count
		Version string
	}{rep, bySeverity(rep), byOWASP(rep), opts.Version})
}
