package ui

import (
	"net/http"

	"github.com/wabaguard/wabaguard/internal/refusal"
)

// langCookie holds a language the user chose; without it the language
// follows Accept-Language, pt-BR when nothing matches.
const langCookie = "wg_lang"

// language picks the page's language: the cookie, else the browser's.
func language(r *http.Request) refusal.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range refusal.Langs {
			if string(l) == c.Value {
				return l
			}
		}
	}
	return refusal.Header(r)
}

// langNames are each language's own name, for the switcher.
var langNames = map[refusal.Lang]string{refusal.PT: "Português", refusal.EN: "English", refusal.ES: "Español"}

// messages are the dashboard's words. Every key has all three languages
// (TestEveryMessageHasEveryLanguage).
var messages = map[string]map[refusal.Lang]string{
	"app":                {refusal.PT: "wabaguard", refusal.EN: "wabaguard", refusal.ES: "wabaguard"},
	"skip":               {refusal.PT: "Pular para o conteúdo", refusal.EN: "Skip to content", refusal.ES: "Saltar al contenido"},
	"login.title":        {refusal.PT: "Entrar", refusal.EN: "Log in", refusal.ES: "Iniciar sesión"},
	"login.email":        {refusal.PT: "E-mail", refusal.EN: "Email", refusal.ES: "Correo electrónico"},
	"login.password":     {refusal.PT: "Senha", refusal.EN: "Password", refusal.ES: "Contraseña"},
	"login.submit":       {refusal.PT: "Entrar", refusal.EN: "Log in", refusal.ES: "Entrar"},
	"login.bad":          {refusal.PT: "E-mail ou senha incorretos.", refusal.EN: "Wrong email or password.", refusal.ES: "Correo o contraseña incorrectos."},
	"login.limited":      {refusal.PT: "Muitas tentativas. Tente de novo em %d segundos.", refusal.EN: "Too many attempts. Try again in %d seconds.", refusal.ES: "Demasiados intentos. Vuelva a intentarlo en %d segundos."},
	"logout":             {refusal.PT: "Sair", refusal.EN: "Log out", refusal.ES: "Cerrar sesión"},
	"csrf.bad":           {refusal.PT: "O formulário expirou. Recarregue a página e tente de novo.", refusal.EN: "The form expired. Reload the page and try again.", refusal.ES: "El formulario caducó. Recargue la página e inténtelo de nuevo."},
	"nav.label":          {refusal.PT: "Principal", refusal.EN: "Main", refusal.ES: "Principal"},
	"nav.overview":       {refusal.PT: "Visão geral", refusal.EN: "Overview", refusal.ES: "Resumen"},
	"nav.contacts":       {refusal.PT: "Contatos e consentimento", refusal.EN: "Contacts and consent", refusal.ES: "Contactos y consentimiento"},
	"nav.decisions":      {refusal.PT: "Decisões", refusal.EN: "Decisions", refusal.ES: "Decisiones"},
	"nav.templates":      {refusal.PT: "Templates", refusal.EN: "Templates", refusal.ES: "Plantillas"},
	"lang.label":         {refusal.PT: "Idioma", refusal.EN: "Language", refusal.ES: "Idioma"},
	"role.admin":         {refusal.PT: "administrador", refusal.EN: "admin", refusal.ES: "administrador"},
	"role.viewer":        {refusal.PT: "somente leitura", refusal.EN: "read-only", refusal.ES: "solo lectura"},
	"overview.title":     {refusal.PT: "Visão geral", refusal.EN: "Overview", refusal.ES: "Resumen"},
	"numbers.title":      {refusal.PT: "Seus números", refusal.EN: "Your numbers", refusal.ES: "Sus números"},
	"numbers.none":       {refusal.PT: "Nenhum número configurado.", refusal.EN: "No numbers configured.", refusal.ES: "Ningún número configurado."},
	"numbers.number":     {refusal.PT: "Número", refusal.EN: "Number", refusal.ES: "Número"},
	"numbers.state":      {refusal.PT: "Estado", refusal.EN: "State", refusal.ES: "Estado"},
	"numbers.mps":        {refusal.PT: "Vazão (msg/s)", refusal.EN: "Throughput (msg/s)", refusal.ES: "Caudal (msj/s)"},
	"numbers.default":    {refusal.PT: "padrão", refusal.EN: "default", refusal.ES: "predeterminado"},
	"numbers.queue":      {refusal.PT: "Na fila", refusal.EN: "Queued", refusal.ES: "En cola"},
	"state.active":       {refusal.PT: "ativo", refusal.EN: "active", refusal.ES: "activo"},
	"state.stopped":      {refusal.PT: "parado", refusal.EN: "stopped", refusal.ES: "detenido"},
	"chart.title":        {refusal.PT: "Últimos 7 dias", refusal.EN: "Last 7 days", refusal.ES: "Últimos 7 días"},
	"chart.alt":          {refusal.PT: "Gráfico de barras: mensagens enviadas, entregues, lidas e com falha por dia nos últimos 7 dias; os números estão na tabela abaixo.", refusal.EN: "Bar chart: messages sent, delivered, read and failed per day over the last 7 days; the figures are in the table below.", refusal.ES: "Gráfico de barras: mensajes enviados, entregados, leídos y fallidos por día en los últimos 7 días; las cifras están en la tabla de abajo."},
	"chart.table":        {refusal.PT: "Ver os números", refusal.EN: "See the figures", refusal.ES: "Ver las cifras"},
	"chart.day":          {refusal.PT: "Dia", refusal.EN: "Day", refusal.ES: "Día"},
	"status.sent":        {refusal.PT: "Enviadas", refusal.EN: "Sent", refusal.ES: "Enviados"},
	"status.delivered":   {refusal.PT: "Entregues", refusal.EN: "Delivered", refusal.ES: "Entregados"},
	"status.read":        {refusal.PT: "Lidas", refusal.EN: "Read", refusal.ES: "Leídos"},
	"status.failed":      {refusal.PT: "Com falha", refusal.EN: "Failed", refusal.ES: "Fallidos"},
	"contacts.title":     {refusal.PT: "Contatos e consentimento", refusal.EN: "Contacts and consent", refusal.ES: "Contactos y consentimiento"},
	"contacts.number":    {refusal.PT: "Número de telefone", refusal.EN: "Phone number", refusal.ES: "Número de teléfono"},
	"contacts.hint":      {refusal.PT: "Com ou sem código do país, por exemplo +55 11 98765-4321.", refusal.EN: "With or without the country code, for example +55 11 98765-4321.", refusal.ES: "Con o sin código de país, por ejemplo +55 11 98765-4321."},
	"search":             {refusal.PT: "Buscar", refusal.EN: "Search", refusal.ES: "Buscar"},
	"contacts.bad":       {refusal.PT: "Este número não é válido para o WhatsApp: %s", refusal.EN: "This number is not valid for WhatsApp: %s", refusal.ES: "Este número no es válido para WhatsApp: %s"},
	"consent.current":    {refusal.PT: "Consentimento atual", refusal.EN: "Current consent", refusal.ES: "Consentimiento actual"},
	"consent.category":   {refusal.PT: "Categoria", refusal.EN: "Category", refusal.ES: "Categoría"},
	"consent.state":      {refusal.PT: "Situação", refusal.EN: "State", refusal.ES: "Estado"},
	"consent.since":      {refusal.PT: "Desde", refusal.EN: "Since", refusal.ES: "Desde"},
	"consent.blocked":    {refusal.PT: "bloqueado", refusal.EN: "blocked", refusal.ES: "bloqueado"},
	"cat.marketing":      {refusal.PT: "marketing", refusal.EN: "marketing", refusal.ES: "marketing"},
	"cat.utility":        {refusal.PT: "utilidade", refusal.EN: "utility", refusal.ES: "utilidad"},
	"cat.authentication": {refusal.PT: "autenticação", refusal.EN: "authentication", refusal.ES: "autenticación"},
	"cat.all":            {refusal.PT: "todas", refusal.EN: "all", refusal.ES: "todas"},
	"act.opt_in":         {refusal.PT: "aceitou", refusal.EN: "opted in", refusal.ES: "aceptó"},
	"act.opt_out":        {refusal.PT: "recusou", refusal.EN: "opted out", refusal.ES: "rechazó"},
	"act.erased":         {refusal.PT: "apagado", refusal.EN: "erased", refusal.ES: "borrado"},
	"act.none":           {refusal.PT: "sem registro", refusal.EN: "no record", refusal.ES: "sin registro"},
	"history.title":      {refusal.PT: "Histórico de consentimento", refusal.EN: "Consent history", refusal.ES: "Historial de consentimiento"},
	"history.none":       {refusal.PT: "Nenhum registro para este número.", refusal.EN: "No records for this number.", refusal.ES: "Ningún registro para este número."},
	"history.seq":        {refusal.PT: "Nº", refusal.EN: "No.", refusal.ES: "N.º"},
	"history.at":         {refusal.PT: "Registrado em", refusal.EN: "Recorded at", refusal.ES: "Registrado el"},
	"history.action":     {refusal.PT: "Ação", refusal.EN: "Action", refusal.ES: "Acción"},
	"history.source":     {refusal.PT: "Origem", refusal.EN: "Source", refusal.ES: "Origen"},
	"history.evidence":   {refusal.PT: "Evidência", refusal.EN: "Evidence", refusal.ES: "Evidencia"},
	"history.erased":     {refusal.PT: "dados pessoais apagados", refusal.EN: "personal data erased", refusal.ES: "datos personales borrados"},
	"chain.title":        {refusal.PT: "Verificação da cadeia", refusal.EN: "Chain verification", refusal.ES: "Verificación de la cadena"},
	"chain.ok":           {refusal.PT: "Íntegra: %d registros verificados (%d apagados), último nº %d.", refusal.EN: "Intact: %d records verified (%d erased), last no. %d.", refusal.ES: "Íntegra: %d registros verificados (%d borrados), último n.º %d."},
	"chain.bad":          {refusal.PT: "QUEBRADA no registro nº %d: %s", refusal.EN: "BROKEN at record no. %d: %s", refusal.ES: "ROTA en el registro n.º %d: %s"},
	"erase.title":        {refusal.PT: "Apagar este contato", refusal.EN: "Erase this contact", refusal.ES: "Borrar este contacto"},
	"erase.explain":      {refusal.PT: "Remove os dados pessoais deste número do registro de consentimento e bloqueia todo envio para ele. Não pode ser desfeito.", refusal.EN: "Removes this number's personal data from the consent ledger and blocks every message to it. It cannot be undone.", refusal.ES: "Elimina los datos personales de este número del registro de consentimiento y bloquea todo envío. No se puede deshacer."},
	"erase.confirm":      {refusal.PT: "Confirmo que quero apagar %s", refusal.EN: "I confirm I want to erase %s", refusal.ES: "Confirmo que quiero borrar %s"},
	"erase.submit":       {refusal.PT: "Apagar", refusal.EN: "Erase", refusal.ES: "Borrar"},
	"erase.need":         {refusal.PT: "Marque a confirmação para apagar.", refusal.EN: "Tick the confirmation to erase.", refusal.ES: "Marque la confirmación para borrar."},
	"erase.done":         {refusal.PT: "Contato apagado e bloqueado.", refusal.EN: "Contact erased and blocked.", refusal.ES: "Contacto borrado y bloqueado."},
	"forbidden":          {refusal.PT: "Seu papel (somente leitura) não permite esta ação.", refusal.EN: "Your role (read-only) does not allow this.", refusal.ES: "Su rol (solo lectura) no permite esta acción."},
	"decisions.title":    {refusal.PT: "Decisões: mensagens recusadas", refusal.EN: "Decisions: refused messages", refusal.ES: "Decisiones: mensajes rechazados"},
	"decisions.q":        {refusal.PT: "Número ou id da mensagem (wamid…)", refusal.EN: "Number or message id (wamid…)", refusal.ES: "Número o id del mensaje (wamid…)"},
	"decisions.none":     {refusal.PT: "Nenhuma recusa encontrada.", refusal.EN: "No refusals found.", refusal.ES: "Ningún rechazo encontrado."},
	"decisions.when":     {refusal.PT: "Quando", refusal.EN: "When", refusal.ES: "Cuándo"},
	"decisions.to":       {refusal.PT: "Para", refusal.EN: "To", refusal.ES: "Para"},
	"decisions.code":     {refusal.PT: "Código", refusal.EN: "Code", refusal.ES: "Código"},
	"decisions.why":      {refusal.PT: "Motivo", refusal.EN: "Why", refusal.ES: "Motivo"},
	"decisions.more":     {refusal.PT: "Saiba mais", refusal.EN: "Learn more", refusal.ES: "Más información"},
	"templates.title":    {refusal.PT: "Templates das suas contas", refusal.EN: "Your accounts' templates", refusal.ES: "Plantillas de sus cuentas"},
	"templates.hint": {refusal.PT: "A cópia local, sincronizada com a Meta, contra a qual cada envio é conferido: templates fora desta lista, não aprovados, pausados ou desativados são recusados antes de chegar à Meta.",
		refusal.EN: "The local copy, synced from Meta, that every send is checked against: templates missing here, not approved, paused or disabled are refused before they reach Meta.",
		refusal.ES: "La copia local, sincronizada con Meta, con la que se verifica cada envío: las plantillas que no estén aquí, no aprobadas, pausadas o desactivadas se rechazan antes de llegar a Meta."},
	"templates.none":     {refusal.PT: "Nenhum template conhecido ainda (a sincronização com a Meta roda ao iniciar e a cada hora).", refusal.EN: "No templates known yet (the sync with Meta runs at start and hourly).", refusal.ES: "Aún no hay plantillas conocidas (la sincronización con Meta se ejecuta al iniciar y cada hora)."},
	"templates.category": {refusal.PT: "Categoria", refusal.EN: "Category", refusal.ES: "Categoría"},
	"templates.status":   {refusal.PT: "Situação", refusal.EN: "Status", refusal.ES: "Estado"},
	"templates.quality":  {refusal.PT: "Qualidade", refusal.EN: "Quality", refusal.ES: "Calidad"},
	"templates.reason":   {refusal.PT: "Motivo da Meta", refusal.EN: "Meta's reason", refusal.ES: "Motivo de Meta"},
	"templates.refused":  {refusal.PT: "envios recusados", refusal.EN: "sends refused", refusal.ES: "envíos rechazados"},
	"error.title":        {refusal.PT: "Algo deu errado", refusal.EN: "Something went wrong", refusal.ES: "Algo salió mal"},
	"error.internal":     {refusal.PT: "O gateway falhou ao atender. A causa foi registrada no log.", refusal.EN: "The gateway failed to answer. The cause was logged.", refusal.ES: "El gateway falló al responder. La causa quedó en el registro."},
	"notfound":           {refusal.PT: "Página não encontrada.", refusal.EN: "Page not found.", refusal.ES: "Página no encontrada."},
}

// msg returns a message in lang (pt-BR when a language lacks it, the key
// itself when the key is unknown, so a typo shows on the page).
func msg(lang refusal.Lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if s, ok := m[lang]; ok {
		return s
	}
	return m[refusal.PT]
}
