package content

// Hateful content (content-policy §1.2, C19: discrimination, hateful and
// violent content). A list of slurs alone would block the people who quote
// and report them, and the names of groups are everyday words ("vagas
// afirmativas para pessoas negras", "mês do orgulho LGBT"), so a finding
// needs a protected group together with dehumanising or exterminating
// words, or an unambiguous extremist slogan; the words of
// campaigns against discrimination cancel it.

// ProhibitedHate is hatred against protected groups.
const ProhibitedHate Category = "prohibited.hate"

// protectedGroups name people by race, origin, religion, sexual
// orientation, gender identity or disability, in pt-BR, es and en.
var protectedGroups = phrases(
	"negros", "negras", "pessoas pretas", "nordestinos", "nordestinas", "baianos", "paraíbas", "índios", "indígenas",
	"imigrantes", "refugiados", "venezuelanos", "haitianos", "bolivianos", "judeus", "muçulmanos", "macumbeiros",
	"gays", "lésbicas", "homossexuais", "bissexuais", "travestis", "transexuais", "pessoas trans", "lgbt", "lgbts",
	"deficientes", "autistas",
	"inmigrantes", "migrantes", "judíos", "musulmanes", "indios", "homosexuales", "transexuales", "discapacitados",
	"blacks", "black people", "jews", "muslims", "immigrants", "migrants", "refugees", "mexicans", "homosexuals",
	"trans people", "transgender people", "disabled people")

// hateWords dehumanise, wish death or call for removal. Exclusion ("não
// atendemos", "we do not hire") is left out: an office that serves
// immigrants and closes on Saturdays says both in one message.
var hateWords = phrases(
	"tem que morrer", "têm que morrer", "devem morrer", "merecem morrer", "deviam morrer", "tinham que morrer",
	"devem ser exterminados", "exterminar", "extermínio", "eliminar todos", "limpeza étnica", "raça inferior",
	"raça maldita", "não são gente", "não são humanos", "são lixo", "são uns lixos", "são vermes", "são uma praga",
	"são animais", "sub humanos", "sub raça", "voltem para sua terra", "voltem pro seu país", "voltem para o seu país",
	"não são bem vindos",
	"deben morir", "merecen morir", "hay que exterminar", "raza inferior", "no son personas", "no son humanos",
	"son basura", "son una plaga", "son animales", "vuelvan a su país", "no son bienvenidos",
	"should die", "must die", "deserve to die", "exterminate", "ethnic cleansing", "inferior race", "subhuman",
	"are vermin", "are trash", "are animals", "are a plague", "go back to your country", "not welcome here")

// antiHate are the words of campaigns, laws and reports against
// discrimination.
var antiHate = phrases(
	"racismo é crime", "homofobia é crime", "discriminação é crime", "injúria racial é crime", "contra o racismo",
	"combate ao racismo", "combate à homofobia", "contra a homofobia", "contra o preconceito", "denuncie", "disque 100",
	"discurso de ódio", "el racismo es delito", "contra el racismo", "denuncia", "discurso de odio", "against racism",
	"stop hate", "report hate", "hate speech", "is a crime")

var hatePatterns = []pattern{
	{Category: ProhibitedHate, Severity: High, Hint: hintHate, Need: [][]string{protectedGroups, hateWords}, Unless: antiHate},
	{Category: ProhibitedHate, Severity: High, Hint: hintHate, Need: [][]string{phrases(
		"heil hitler", "sieg heil", "white power", "poder branco", "orgulho branco", "white pride",
		"holocausto nunca existiu", "holocausto é uma farsa", "holocausto foi uma farsa", "holocaust never happened",
		"holocaust is a hoax", "holocausto es un mito")},
		Unless: antiHate},
}
