/**
 * Common English given-name nicknames, each mapped to a canonical form. A small vendored table
 * (versioned with the code, as the CMS proposal asks); a nickname agreement counts as a fuzzy
 * first-name match, never an exact one.
 */
const GROUPS: Record<string, string[]> = {
  abigail: ['abby', 'abbie', 'gail'],
  alexander: ['alex', 'al', 'sandy', 'xander'],
  alexandra: ['alex', 'alexa', 'sandra', 'sandy', 'lexi'],
  andrew: ['andy', 'drew'],
  anthony: ['tony'],
  barbara: ['barb', 'barbie', 'babs'],
  benjamin: ['ben', 'benny', 'benji'],
  catherine: ['cathy', 'kate', 'katie', 'cat', 'kathy'],
  katherine: ['kathy', 'kate', 'katie', 'kat', 'kitty'],
  charles: ['charlie', 'chuck', 'chas'],
  christopher: ['chris', 'topher', 'kit'],
  christine: ['chris', 'chrissy', 'tina'],
  daniel: ['dan', 'danny'],
  david: ['dave', 'davy'],
  deborah: ['deb', 'debbie', 'debby'],
  donald: ['don', 'donny'],
  dorothy: ['dot', 'dottie', 'dolly'],
  edward: ['ed', 'eddie', 'ted', 'ned'],
  elizabeth: ['liz', 'lizzie', 'beth', 'betty', 'eliza', 'betsy', 'libby', 'liza'],
  emily: ['em', 'emmy'],
  frances: ['fran', 'frannie'],
  francis: ['frank', 'fran'],
  frederick: ['fred', 'freddie', 'fritz'],
  gregory: ['greg'],
  henry: ['hank', 'harry'],
  isabella: ['bella', 'izzy'],
  jacob: ['jake'],
  james: ['jim', 'jimmy', 'jamie'],
  jennifer: ['jen', 'jenny', 'jenn'],
  jessica: ['jess', 'jessie'],
  john: ['jack', 'johnny', 'jon'],
  jonathan: ['jon', 'jonny', 'nathan'],
  joseph: ['joe', 'joey'],
  joshua: ['josh'],
  kenneth: ['ken', 'kenny'],
  lawrence: ['larry'],
  margaret: ['maggie', 'meg', 'peggy', 'marge', 'margie', 'greta'],
  matthew: ['matt', 'matty'],
  michael: ['mike', 'mikey', 'mick'],
  nicholas: ['nick', 'nicky'],
  patricia: ['pat', 'patty', 'trish', 'tricia'],
  patrick: ['pat', 'paddy'],
  peter: ['pete'],
  raymond: ['ray'],
  rebecca: ['becky', 'becca'],
  richard: ['rick', 'rich', 'dick', 'ricky', 'richie'],
  robert: ['rob', 'bob', 'bobby', 'robbie', 'bert'],
  ronald: ['ron', 'ronnie'],
  samantha: ['sam', 'sammy'],
  samuel: ['sam', 'sammy'],
  stephen: ['steve', 'stevie'],
  steven: ['steve', 'stevie'],
  susan: ['sue', 'susie', 'suzy'],
  theodore: ['ted', 'teddy', 'theo'],
  thomas: ['tom', 'tommy'],
  timothy: ['tim', 'timmy'],
  victoria: ['vicky', 'tori'],
  william: ['will', 'bill', 'billy', 'willie', 'liam'],
};

/** Folded name -> the canonical names it may stand for (a nickname can belong to several). */
const CANONICAL = new Map<string, string[]>();
for (const [canonical, nicknames] of Object.entries(GROUPS)) {
  for (const name of [canonical, ...nicknames]) {
    CANONICAL.set(name, [...(CANONICAL.get(name) ?? []), canonical]);
  }
}

/** The canonical forms of a folded given name (empty when the table does not know it). */
export function canonicalNames(folded: string): readonly string[] {
  return CANONICAL.get(folded) ?? [];
}
