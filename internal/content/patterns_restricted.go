package content

// Categories WhatsApp restricts (content-policy §1.2: C05 alcohol, C11
// medical products, C13 real-money gambling): since August 2024 brands
// of these verticals may send marketing and utility messages in listed
// countries, to adults, with Meta's approval (prior written approval for
// gambling), and never sell in the chat. Without that approval the content
// is refused; a tenant that has it sets the category to warn or off.

// Restricted categories.
const (
	RestrictedAlcohol  Category = "restricted.alcohol"
	RestrictedMedical  Category = "restricted.medical"
	RestrictedGambling Category = "restricted.gambling"
)

var restrictedPatterns = []pattern{
	{Category: RestrictedAlcohol, Severity: Medium, Hint: hintRestricted, Need: [][]string{phrases(
		"cerveja", "cervejas", "chopp", "chope", "vinho", "vinhos", "whisky", "uísque", "vodka", "cachaça", "cachaca", "gin",
		"tequila", "licor", "espumante", "open bar", "cerveza", "cervezas", "vino", "vinos", "beer", "beers", "wine", "wines",
		"liquor")},
		Unless: phrases("cor vinho", "tom vinho", "cor de vinho", "vinho tinto cor", "sem álcool", "zero álcool", "0 0",
			"non alcoholic", "sin alcohol")},
	{Category: RestrictedMedical, Severity: Medium, Hint: hintRestricted, Need: [][]string{phrases(
		"ozempic", "semaglutida", "mounjaro", "tirzepatida", "saxenda", "wegovy", "lente de contato", "lentes de contato",
		"lentes de contacto", "contact lenses", "cura o diabetes", "cura a diabetes", "cura o câncer", "cura definitiva",
		"remédio natural que cura", "cures cancer", "cura el cáncer")}},
	{Category: RestrictedGambling, Severity: Medium, Hint: hintRestricted, Need: [][]string{phrases(
		"apostas esportivas", "aposta esportiva", "faça sua aposta", "faça já sua aposta", "aposte", "apostar", "casa de apostas",
		"site de apostas", "cassino", "casino", "fortune tiger", "tigrinho", "roleta online", "roleta ao vivo",
		"caça níquel", "caça níqueis", "melhores odds", "odds turbinadas", "bônus de depósito", "bônus no primeiro depósito",
		"jogo do bicho", "rifa", "rifas", "free spins", "giros grátis", "rodadas grátis", "apuestas", "apuesta deportiva",
		"sports betting", "sportsbook", "place your bet")}},
}
