package server

import (
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
)

// explorer serves GraphiQL to a browser asking for /graphql as a page (GET, Accept: text/html,
// no query), and everything else to the API. Paste a key into its headers tab:
// {"Authorization": "Bearer cxk_..."}.
func explorer(api http.Handler) http.Handler {
	page := playground.Handler("Crosslink GraphQL", "/graphql", playground.WithStoragePrefix("crosslink"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.RawQuery == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
			// GraphiQL's scripts and styles come from jsDelivr, with subresource integrity.
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "+
				"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://cdn.jsdelivr.net; "+
				"font-src 'self' data: https://cdn.jsdelivr.net; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")
			page.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
