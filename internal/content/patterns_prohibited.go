package content

// Categories WhatsApp's Business Messaging and Commerce policies prohibit
// (content-policy §1.2: C01–C04, C06–C10, C12, C14–C18, C21). Hateful
// content (C19) is in patterns_hate.go and abusive debt collection (part of
// C16) in patterns_collection.go, both in the prohibited group. Bulk
// messaging (C22) is behaviour, not words; asking for sensitive
// identifiers (C23) is scam.credentials.

// Prohibited categories.
const (
	ProhibitedCrime          Category = "prohibited.crime"
	ProhibitedIllegal        Category = "prohibited.illegal"
	ProhibitedDrugs          Category = "prohibited.drugs"
	ProhibitedTobacco        Category = "prohibited.tobacco"
	ProhibitedSupplements    Category = "prohibited.supplements"
	ProhibitedWeapons        Category = "prohibited.weapons"
	ProhibitedAnimals        Category = "prohibited.animals"
	ProhibitedAdult          Category = "prohibited.adult"
	ProhibitedBodyParts      Category = "prohibited.body_parts"
	ProhibitedHazardous      Category = "prohibited.hazardous"
	ProhibitedDating         Category = "prohibited.dating"
	ProhibitedCurrency       Category = "prohibited.currency"
	ProhibitedDeceptive      Category = "prohibited.deceptive"
	ProhibitedPiracy         Category = "prohibited.piracy"
	ProhibitedCounterfeit    Category = "prohibited.counterfeit"
	ProhibitedMisinformation Category = "prohibited.misinformation"
)

var prohibitedPatterns = []pattern{
	{Category: ProhibitedCrime, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"lavagem de dinheiro", "conta laranja", "contas laranja", "alugo minha conta", "alugue sua conta", "empresto minha conta",
		"money laundering", "lavado de dinero", "cuenta de paso", "sicario", "sicarios")}},
	{Category: ProhibitedIllegal, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"documento falso", "documentos falsos", "cnh sem prova", "cnh sem autoescola", "cnh sem exame", "diploma falso",
		"diploma sem estudar", "certificado falso", "atestado médico falso", "atestado falso", "clonagem de cartão",
		"cartão clonado", "cartões clonados", "puxada de dados", "painel de consulta de cpf", "consulta de cpf completa",
		"lista de cpf", "fake id", "fake diploma", "título falso", "licencia falsa", "tarjetas clonadas")}},
	{Category: ProhibitedDrugs, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"maconha", "skunk", "haxixe", "cocaína", "cocaina", "pedra de crack", "ecstasy", "mdma", "lsd", "metanfetamina",
		"lança perfume", "lanca perfume", "cogumelo mágico", "cogumelos mágicos", "marijuana", "marihuana", "cocaine",
		"weed delivery", "tarja preta", "rivotril", "clonazepam", "ritalina", "zolpidem", "anabolizante*", "esteroides",
		"delivery discreto")},
		Unless: phrases("com receita", "apresente a receita", "sua receita", "receita retida", "receita médica", "prevenção",
			"combate às drogas", "combate as drogas", "campanha contra", "drug prevention", "with prescription", "con receta")},
	{Category: ProhibitedTobacco, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"cigarro eletrônico", "cigarros eletrônicos", "cigarro eletronico", "vape", "vapes", "pod descartável", "pods descartáveis",
		"narguilé", "narguile", "arguile", "essência de narguile", "seda de enrolar", "tabaco", "charuto", "charutos",
		"cigarro", "cigarros", "e cigarette", "e cigarettes", "tobacco", "hookah", "shisha", "cigarrillo", "cigarrillos",
		"vaper", "ignite v*", "elfbar")},
		Unless: phrases("parar de fumar", "pare de fumar", "antitabagismo", "proibido fumar", "dia sem tabaco",
			"quit smoking", "dejar de fumar", "deixar de fumar")},
	{Category: ProhibitedSupplements, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"emagrecedor milagroso", "sibutramina", "hormônio do crescimento", "hormonio do crescimento", "gh injetável",
		"efedrina", "ephedra", "dhea", "chitosana", "oxandrolona", "durateston", "fat burner", "anabolic steroids",
		"esteroides anabólicos", "quema grasa garantizado")}},
	{Category: ProhibitedSupplements, Severity: High, Hint: hintProhibited, Need: [][]string{
		phrases("perca", "emagreça", "emagreca", "elimine", "lose", "pierda", "baje"),
		phrases("kg em", "quilos em", "kilos em", "kg in", "pounds in", "kilos en", "kg en"),
		phrases("dias", "dia", "semana", "semanas", "days", "week", "weeks", "días")}},
	{Category: ProhibitedWeapons, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"arma de fogo", "armas de fogo", "pistola", "pistolas", "revólver", "revolver", "fuzil", "fuzis", "munição",
		"munições", "municao", "silenciador", "espingarda", "carabina", "calibre 38", "calibre 12", "taser",
		"spray de pimenta", "simulacro", "arma sem registro", "firearm", "firearms", "handgun", "ammunition", "munición",
		"arma de fuego", "armas de fuego", "escopeta")},
		Unless: phrases("curso", "aula", "treinamento", "clube de tiro", "cola quente", "de cola", "de pintura", "de calor",
			"de silicone", "ar quente", "água", "agua", "brinquedo", "licença", "training", "course", "water gun", "juguete",
			"nerf", "porte de arma legal", "desarmamento")},
	{Category: ProhibitedAnimals, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"filhote à venda", "filhotes à venda", "vendo filhote", "vendo filhotes", "vendo papagaio", "animal silvestre",
		"animais silvestres", "marfim", "puppies for sale", "cachorros en venta", "ivory", "marfil")},
		Unless: phrases("adoção", "adote", "adocao", "adopción", "adopt", "ibama", "denuncie")},
	{Category: ProhibitedAdult, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"garota de programa", "garotas de programa", "acompanhante de luxo", "acompanhantes", "conteúdo +18", "conteudo adulto",
		"conteúdo adulto", "nudes", "vendo pack", "vende pack", "meu pack", "onlyfans", "chamada quente", "videochamada quente",
		"sexo virtual", "sexo ao vivo", "camgirl", "pornô", "porno", "sex shop", "sexshop", "brinquedo erótico",
		"brinquedos eróticos", "sex toy", "sex toys", "escort service", "escorts", "adult content", "acompañante", "acompañantes",
		"contenido para adultos")}},
	{Category: ProhibitedBodyParts, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"vendo rim", "vendo meu rim", "compro rim", "venda de órgãos", "vendo órgão", "leite materno à venda",
		"vendo leite materno", "vendo sêmen", "sell my kidney", "kidney for sale", "vendo riñón")},
		Unless: phrases("doação", "doe", "doar", "banco de leite", "hemocentro", "donate", "donación", "tráfico de órgãos")},
	{Category: ProhibitedHazardous, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"fogos de artifício", "fogos de artificio", "agrotóxico proibido", "agrotóxicos proibidos", "mercúrio líquido",
		"vendo mercúrio", "dinamite", "pólvora", "fireworks", "fuegos artificiales", "explosives")},
		Unless: phrases("queima de fogos", "show de fogos", "não solte", "proibido soltar", "sem fogos", "evite")},
	{Category: ProhibitedDating, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"namoro online", "site de namoro", "app de namoro", "aplicativo de namoro", "sugar daddy", "sugar baby", "sugar mommy",
		"conheça solteiros", "conheça solteiras", "solteiros na sua região", "solteiras na sua região", "encontros casuais",
		"dating site", "dating app", "meet singles", "citas en línea", "conoce solteros", "conoce solteras")}},
	{Category: ProhibitedCurrency, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"nota falsa", "notas falsas", "dinheiro falso", "dinheiro falsificado", "cédulas falsas", "opções binárias",
		"opção binária", "opcoes binarias", "retorno garantido", "lucro garantido", "dobro em 24h", "dobro em 24 horas",
		"dobra seu dinheiro", "dobre seu dinheiro", "sinais de trade", "robô de trade", "robô de investimento",
		"pirâmide financeira", "counterfeit money", "binary options", "guaranteed return", "guaranteed profit",
		"double your money", "dinero falso", "billetes falsos", "opciones binarias", "ganancia garantizada")}},
	{Category: ProhibitedDeceptive, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"marketing multinível", "marketing multinivel", "renda extra garantida", "ganhe dinheiro sem sair de casa",
		"empréstimo sem consulta", "emprestimo sem consulta", "empréstimo para negativado", "empréstimo para negativados",
		"sem consulta ao spc", "sem consulta ao serasa", "sem consultar spc", "sem consultar o serasa", "tiramos seu nome",
		"tirar seu nome do spc", "tirar seu nome do serasa", "antecipação salarial", "payday loan", "payday loans",
		"multi level marketing", "mlm", "préstamo sin buró", "préstamo sin consulta", "renta extra garantizada",
		"dinero fácil")}},
	{Category: ProhibitedPiracy, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"iptv", "lista m3u", "m3u", "tv box desbloqueada", "tv box liberada", "canais liberados", "todos os canais liberados",
		"conta netflix compartilhada", "netflix compartilhada", "tela netflix", "telas netflix", "software crackeado",
		"crackeado", "ativador do windows", "ativador do office", "serial do windows", "cuenta netflix compartida",
		"cracked software", "pirated")}},
	{Category: ProhibitedCounterfeit, Severity: High, Hint: hintProhibited, Need: [][]string{
		phrases("réplica", "réplicas", "replica", "replicas", "primeira linha", "imitação", "imitacao", "imitación", "fake"),
		phrases("bolsa", "bolsas", "relógio", "relógios", "tênis", "perfume", "perfumes", "óculos", "camisa", "camisas",
			"grife", "marca", "nike", "adidas", "louis vuitton", "gucci", "prada", "rolex", "iphone", "watch", "watches",
			"bag", "bags", "sneakers", "reloj", "relojes", "bolso", "bolsos")}},
	{Category: ProhibitedCounterfeit, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"sem nota fiscal", "sem procedência", "mercadoria roubada", "produto roubado", "produtos roubados", "celular roubado",
		"stolen goods", "mercancía robada", "sin factura")}},
	{Category: ProhibitedMisinformation, Severity: High, Hint: hintProhibited, Need: [][]string{phrases(
		"compartilhe antes que apaguem", "compartilhe antes que removam", "antes que apaguem", "a mídia não mostra",
		"a grande mídia esconde", "cura milagrosa", "urna fraudada", "urnas fraudadas", "governo vai confiscar",
		"share before they delete", "comparte antes de que lo borren", "antes de que lo borren")}},
}
