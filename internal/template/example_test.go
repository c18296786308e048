package template_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wabaguard/wabaguard/internal/secret"
	"github.com/wabaguard/wabaguard/internal/store"
	"github.com/wabaguard/wabaguard/internal/store/sqlite"
	"github.com/wabaguard/wabaguard/internal/template"
	"github.com/wabaguard/wabaguard/internal/wire"
)

// A send-path rule looks the template up, then checks the request's
// parameters against it.
func ExampleCheck() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "templates")
	defer os.RemoveAll(dir)
	box, _ := secret.NewBox(secret.NewKey())
	st, err := sqlite.Open(ctx, filepath.Join(dir, "wabaguard.db"), box)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	// What a sync of WABA 9001 found.
	_ = st.ReplaceTemplates(ctx, "9001", []store.Template{{WABAID: "9001", Name: "pedido", Language: "pt_BR", ID: "1",
		Category: "UTILITY", Status: "APPROVED", ParameterFormat: "named",
		Components: []byte(`[{"type":"BODY","text":"Olá {{nome}}, seu pedido {{numero}} saiu."}]`)}}, time.Now())
	cache := template.NewCache(st)
	_ = cache.Load(ctx)

	var req wire.SendRequest
	_ = json.Unmarshal([]byte(`{"messaging_product":"whatsapp","to":"5511987654321","type":"template",
		"template":{"name":"pedido","language":{"code":"pt_BR"},"components":[{"type":"body",
		"parameters":[{"type":"text","parameter_name":"nome","text":"Ana"}]}]}}`), &req)

	info, known := cache.Lookup("9001", req.Template.Name, req.Template.Language.Code)
	fmt.Println(known, info.Category, info.Sendable())
	for _, p := range template.Check(&info, req.Template) {
		fmt.Println(p)
	}
	_, known = cache.Lookup("9001", "pedido", "en")
	fmt.Println("en:", known)
	// Output:
	// present UTILITY true
	// body: the template has 2 variable(s) there, the request gives 1 parameter(s)
	// body: no parameter for the variable {{numero}}
	// en: absent
}
