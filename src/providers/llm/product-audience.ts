import { isFunctionWord, matches, term, textView, tokens } from './text-features.js';
import type { Term, TextView } from './text-features.js';

/**
 * What is sold → who should promote it. A brief names a product ("grain-free dog food", "air
 * fryer", "Kinderwagen"); the creators a scout would pick belong to the niche of the people who use
 * it, which is often not the niche the product's words suggest (dog *food* is for pet creators,
 * protein *powder* for fitness creators with food second). Written from domain knowledge in English,
 * German, Spanish and French (with common Portuguese and Italian forms); the longest matching
 * product phrase wins, so "vêtements de sport" is fitness although "vêtements" alone is fashion.
 *
 * Each group: the audience niches with weights (1 = primary), then the product words.
 */
const groups: [string, string][] = [
  // beauty
  ['beauty', `serum, face serum, moisturizer, moisturiser, moisturising cream, face cream, night cream, eye cream, sunscreen,
    sun cream, spf, cleanser, face wash, toner, face mask, sheet mask, retinol, niacinamide, hyaluronic acid, vitamin c serum,
    lipstick, lip gloss, lip balm, mascara, foundation, concealer, eyeshadow, eyeliner, blush, bronzer, primer, setting spray,
    makeup brush, makeup brushes, beauty blender, vanity mirror, nail polish, nail varnish, gel nails, press on nails, perfume,
    fragrance, shampoo, conditioner, hair mask, hair oil, hair serum, hair dryer, straightener, curling iron, hair care,
    dry shampoo, false lashes, lash serum, razor, deodorant, body lotion, self tanner,
    gesichtscreme, feuchtigkeitscreme, sonnencreme, sonnenschutz, haarkur, haarpflege, haarol, nagellack, lippenstift,
    wimperntusche, parfum, duft, hautpflege, pflegeroutine, gesichtspflege,
    crema facial, crema hidratante, protector solar, esmalte, esmaltes, esmalte de unas, pintalabios, labial, rimel,
    champu, perfume, cuidado de la piel, serum facial,
    creme solaire, cremes solaires, creme hydratante, soin visage, soins de la peau, rouge a levres, vernis, vernis a ongles,
    parfum, shampooing, mascara, fond de teint,
    protetor solar, batom, esmalte de unha, crema viso, rossetto, smalto,
    collagen, collagen supplement, face oil, micellar water, exfoliator, peeling, body scrub, bath bombs, sheet masks, lip liner,
    highlighter palette, eyeshadow palette, cat eye eyeliner, cat eye liner, brow gel, brow pencil, setting powder, tinted moisturizer, bb cream, cc cream,
    nail care, cuticle oil, hair straightener, flat iron, hair brush, hair clips, hair dye, hair color, hair extensions, wigs,
    beard oil, aftershave, shaving cream, electric toothbrush, teeth whitening, anti aging cream, acne patches, skin care line,
    gesichtsmaske, gesichtsol, augencreme, wimpern, haarfarbe, glatteisen, lockenstab, zahnaufhellung,
    mascarilla facial, exfoliante, colageno, plancha de pelo, tinte, desodorante,
    masque visage, gommage, huile visage, creme anti age, lisseur, coloration, dentifrice blanchissant`],
  // fashion
  ['fashion', `jeans, denim, jacket, jackets, coat, dress, dresses, skirt, blouse, shirt, t shirt, tee, hoodie, hoodies,
    sweatshirt, cargo pants, trousers, suit, suits, tailoring, blazer, knitwear, sneakers, trainers, shoes, boots, heels,
    sandals, handbag, handbags, bag, bags, purse, wallet, backpack fashion, jewelry, jewellery, necklace, earrings, ring,
    bracelet, watches, wristwatch, luxury watch, sunglasses, scarf, hat, cap, belt, lingerie, swimwear, bikini, clothing, apparel, streetwear,
    menswear, womenswear, fashion label, capsule wardrobe, second hand clothing,
    kleidung, kleid, kleider, jacke, hose, schuhe, tasche, taschen, schmuck, uhr, uhren, mantel,
    ropa, vestido, vestidos, vestidos de fiesta, complementos, zapatos, zapatillas, bolso, bolsos, joyas, reloj, chaqueta,
    pantalones, moda,
    vetements, robe, robes, chaussures, sac, sacs, bijoux, montre, manteau, pantalon,
    roupa, roupas, sapatos, bolsa, vestiti, scarpe, borsa, gioielli,
    swimsuit, swimsuits, loafers, flats, slippers handmade, socks, underwear, pyjamas, knit sweater, cardigan, trench coat,
    puffer jacket, raincoat, denim jacket, leather jacket, tote bag, crossbody bag, clutch, backpacks leather, earring, rings,
    engagement rings, hair accessories, scrunchies, eyewear, glasses frames, ties, bow tie, cufflinks, vintage clothing,
    thrift store, resale app, rental fashion, kids fashion label,
    pullover, strickjacke, sneaker, turnschuhe, handtasche, sonnenbrille, badeanzug, bademode, anzug, krawatte,
    camiseta, camisetas, sudadera, bolso de mano, gafas de sol, traje de bano, bufanda, gorra,
    chemise, jupe, baskets, lunettes de soleil, maillot de bain, echarpe, casquette, sac a main,
    mom jeans, boyfriend jeans, dad sneakers, dad shoes, dad hat, dad hats, kitten heels, kitten heel, cat eye sunglasses,
    cat eye glasses, cat eye frames, mirror selfie, mirror selfies, outfit selfie, outfit selfies`],
  // fitness (supplements lean on food second)
  ['fitness:1, food:0.3', `protein powder, whey, whey protein, protein shake, protein bar, protein bars, high protein snack,
    protein snack, pre workout, preworkout, creatine, bcaa, supplements, supplement, mass gainer, energy gel,
    proteinpulver, eiweiss, eiweisspulver, proteinriegel, proteina, proteina en polvo, barrita de proteinas,
    proteine, barre proteinee, poudre de proteine`],
  ['fitness', `jump rope, skipping rope, yoga mat, yoga mats, resistance band, resistance bands, dumbbell, dumbbells, kettlebell,
    barbell, weights, home gym, gym equipment, treadmill, exercise bike, rowing machine, foam roller, fitness tracker,
    activewear, sportswear, gym wear, gymwear, leggings, sports bra, running shoes, gym, gym membership, fitness app,
    workout app, sports drink, sports nutrition,
    yogamatte, yogamatten, widerstandsband, widerstandsbander, hantel, hanteln, sportbekleidung, fitnessstudio,
    laufschuhe, gimnasio, esterilla, esterilla de yoga, bandas elasticas, mancuernas, ropa deportiva, zapatillas de running,
    tapis de yoga, elastiques, halteres, vetements de sport, salle de sport, chaussures de course,
    academia, tapetino yoga, palestra,
    pull up bar, ab roller, gym bag, gym gloves, lifting straps, lifting belt, resistance loop, smart scale, heart rate monitor,
    running watch, sports watch, massage gun, recovery drink, electrolytes, isotonic drink, cycling shoes, spin bike, indoor bike,
    rowing app, online coaching, personal training app, martial arts gear, boxing gloves, climbing shoes, swim goggles,
    trinkflasche sport, sporttasche, laufuhr, massagepistole, boxhandschuhe, fitnessuhr, sportuhr,
    guantes de boxeo, reloj deportivo, pistola de masaje, bicicleta estatica, esterilla de entrenamiento, ropa de gimnasio,
    gants de boxe, montre de sport, pistolet de massage, velo d'appartement, brassiere de sport,
    compression socks, compression sleeves, compression wear, recovery slides, recovery shoes, squat rack, power rack, weight plates,
    weight bench, protein shaker, shaker bottle, yoga studio, yoga class, yoga classes, online yoga, yoga retreat, pilates studio,
    pilates classes, reformer pilates, spin class, spin studio, boxing gym, crossfit box, chalk, knee sleeves, wrist wraps, skipping ropes, battle ropes, gymnastic rings`],
  // food
  ['food', `air fryer, airfryer, olive oil, cookware, frying pan, pans, knife, knives, chef knife, blender, mixer, stand mixer,
    food processor, oven, grill, bbq, barbecue, smoker, spices, spice, sauce, hot sauce, seasoning, pasta, flour, cheese,
    chocolate, coffee, coffee machine, espresso machine, coffee beans, tea, wine, beer, craft beer, non alcoholic beer,
    cider, spirits, gin, snack, snacks, cereal, granola, honey, jam, burger patty, plant based meat, meat substitute,
    meal kit, recipe box, recipe app, kitchen gadget, kitchen gadgets, kitchen appliance, kitchenware, baking tray,
    cutting board, dutch oven, cast iron, rice cooker, juicer, restaurant, food delivery, ice cream, bakery,
    heissluftfritteuse, olivenol, pfanne, topf, messer, kaffeemaschine, siebtragermaschine, siebtrager, kuchenmaschine,
    gewurze, schokolade, kaffee, bier, wein, backofen, kochbuch,
    freidora de aire, aceite de oliva, sarten, cuchillo, cafetera, especias, cerveza, vino, chocolate, horno,
    friteuse a air, huile d'olive, poele, couteau, machine a cafe, epices, biere, vin, chocolat, azeite, cafeteira, olio d'oliva, caffe,
    matcha, kombucha, tea brand, loose leaf tea, coffee subscription, nut butter, peanut butter, almond milk, oat milk, plant milk,
    vegan cheese, sourdough, bread maker, pizza oven, sous vide, pressure cooker, instant pot, slow cooker, stand mixer, waffle maker,
    kitchen knives, chopping board, food storage, lunch boxes, spice blend, condiments, ketchup, mustard, olive oils, vinegar,
    truffle, pasta sauce, frozen meals, ready meals, cooking class, cookbook, recipe book, grocery delivery, supermarket, wine club,
    rum, whisky, tequila, vodka, soft drinks, energy drink, sparkling water, juice, smoothie, bakery chain, cafe, coffee shop,
    hafermilch, pizzaofen, kuchenmesser, kochkurs, lebensmittel, supermarkt, brot, kase, nudeln, sosse, gewurzmischung,
    leche de avena, horno de pizza, olla, libro de cocina, vinagre, salsa, queso, cafeteria,
    lait d'avoine, four a pizza, cocotte, livre de cuisine, vinaigre, fromage, epicerie, boulangerie`],
  // travel
  ['travel', `suitcase, suitcases, luggage, carry on, carry-on, travel bag, duffel bag, travel backpack, camera backpack,
    packing cubes, travel pillow, passport holder, travel adapter, esim, sim card, travel insurance, hotel, hotels,
    boutique hotel, resort, hostel, vacation rental, holiday rental, airline, flights, flight, cruise, tour operator,
    travel agency, booking app, rental car, travel app,
    koffer, reisekoffer, handgepack, rucksack, reiseversicherung, reisebuero, fluggesellschaft, ferienwohnung,
    maleta, maletas, equipaje, seguro de viaje, aerolinea, vuelos, hotel boutique, agencia de viajes,
    valise, valises, bagage, bagages, assurance voyage, compagnie aerienne, vols, agence de voyage,
    mala de viagem, companhia aerea, valigia, compagnia aerea,
    travel card, travel credit card, currency card, travel money, backpacking gear, neck pillow, luggage tag, luggage scale,
    travel towel, travel insurance app, language app, translation app, train tickets, rail pass, bus tickets, ferry, car rental,
    camper rental, campervan, glamping, city tours, guided tours, excursions, theme park, ski resort, spa hotel,
    all inclusive, travel guide, guidebook, travel camera, action camera, gopro, drone camera, travel adapter plug,
    reisefuhrer, bahnticket, mietwagen, wohnmobil, kreuzfahrt, reisegepack, reiseadapter, sprach app,
    guia de viaje, billetes de tren, alquiler de coches, autocaravana, crucero, excursiones, parque tematico,
    guide de voyage, billets de train, location de voiture, camping car, croisiere, excursions, parc d'attractions,
    night train, night trains, sleeper train, rail travel, train booking app, nachtzug, nachtzuge, zugreise, trains de nuit,
    train de nuit, reservation de trains, tren nocturno, trenes nocturnos, backpacking, sac a dos, sacs a dos, mochila de viaje,
    mochilero, mochileros, treno notturno`],
  // pet
  ['pet', `dog food, cat food, pet food, kibble, dog treats, cat treats, pet treats, cat litter, kitty litter, litter box,
    leash, leashes, harness, harnesses, collar, dog collar, gps collar, dog bed, cat tree, scratching post, dog toy, dog toys,
    cat toy, pet toys, pet insurance, flea, tick, dog grooming, dog shampoo, pet supplies, aquarium, aquariums, fish tank,
    bird cage, bird cages, hutch, hutches, hamster cage, pet carrier, dog walker, vet, pet food bowl,
    hundefutter, katzenfutter, katzenstreu, leckerli, leckerlis, hundeleine, leine, geschirr, halsband, hundebett,
    kratzbaum, tierbedarf, comida para perros, comida para gatos, pienso, arena para gatos, correa, arnes, collar para perros,
    juguetes para perros, croquettes, litiere, laisse, laisses, harnais, jouets pour chiens, collier, friandises,
    racao, coleira, crocchette, guinzaglio,
    pet camera, pet fountain, water fountain for cats, automatic feeder, cat feeder, dog feeder, cat litter box, pet stroller,
    dog coat, dog raincoat, dog boots, dog backpack, dog crate, dog kennel, pet gate, chew toys, dog chews, dental chews,
    cat scratcher, cat food pouches, wet food, dry food, raw food for dogs, pet supplements, pet vitamins, pet shampoo,
    dog grooming kit, pet hair vacuum, dog training app, dog walking app, pet sitter, pet insurance plan, horse feed,
    riding gear, bird food, fish food, reptile terrarium, terrarium,
    hundespielzeug, katzenspielzeug, hundebox, transportbox, futternapf, hundemantel, katzenklo, nassfutter, trockenfutter,
    pferdefutter, sattel, juguete para gatos, comedero, bebedero, transportin, cama para perros, rascador, pienso para gatos,
    gamelle, fontaine a eau, arbre a chat, panier pour chien, caisse de transport, griffoir, nourriture pour chats`],
  // interior
  ['interior', `sofa, sofas, couch, armchair, chair, chairs, dining table, table, tables, bed frame, mattress, wardrobe closet,
    shelf, shelves, bookcase, lamp, lamps, designer lamps, lighting, light strips, led strips, pendant light, rug, rugs,
    carpet, curtains, blinds, cushions, throw pillows, bedding, duvet, wallpaper, paint, wall paint, tiles, ceramic tiles,
    flooring, bathroom fittings, faucet, kitchen cabinets, candles, vase, vases, mirror, furniture, home decor, decor,
    houseplant, houseplants, plant delivery, smart home, storage boxes, picture frames,
    mobel, sofa, lampe, lampen, teppich, vorhange, wandfarbe, wandfarben, fliesen, bettwasche, kissen, regal,
    einrichtung, wohnaccessoires, muebles, mueble, lampara, alfombra, cortinas, pintura, azulejos, cojines, decoracion,
    meubles, meuble, canape, lampe, tapis, rideaux, peinture, carrelage, coussins, decoration, luminaire,
    moveis, tapete, mobili, divano, lampada, tappeto,
    armchairs, bar stools, coffee table, side table, sideboard, desk, office chair, bed linen, blankets, throws, towels, bath towels,
    shower curtain, plant pots, planters, artificial plants, wall art, posters, frames, photo frames, clocks, wall clock,
    shelving, storage baskets, closet organizer, doormat, door handles, light bulbs, smart bulbs, floor lamp, table lamp,
    ceiling light, chandelier, kitchen renovation, bathroom renovation, doors, flooring tiles, parquet, laminate,
    wallpapers, home fragrance, reading nook, reading nooks, reading corner, window seat, scented candles, diffuser, home textiles, outdoor furniture, garden furniture, mattress brand,
    couchtisch, esstisch, sessel, stehlampe, deckenleuchte, kerzen, duftkerzen, bilderrahmen, bettdecke, handtucher, parkett,
    tapete, gartenmobel, mesa de centro, sillon, lampara de pie, velas, cuadros, ropa de cama, toallas, parquet, papel pintado,
    table basse, fauteuil, lampadaire, bougies, cadres, linge de lit, serviettes, papier peint, mobilier de jardin`],
  // family
  ['family', `stroller, strollers, pram, buggy, pushchair, travel stroller, car seat, baby carrier, high chair, crib, cot,
    diapers, nappies, baby wipes, baby food, baby food pouches, baby formula, baby clothes, baby clothing, kids clothes,
    children's clothing, toys, toy, wooden toys, educational toys, baby monitor, breast pump, baby bottle, pacifier, school bags, lunch box, kids books, children's books, family car, maternity wear,
    kinderwagen, buggy, autositz, kindersitz, babytrage, windeln, babynahrung, babykleidung, kinderkleidung, spielzeug,
    holzspielzeug, babyflasche, schnuller, cochecito, carrito, silla de paseo, panales, panal, comida para bebes, passeggini,
    lunchbox, lunchboxes, kids lunchbox, school lunchbox, family friendly resort, family hotel, familienhotel,
    ropa de bebe, juguetes, chupete, poussette, couches, petits pots, vetements pour bebes, vetements bebe, jouets,
    jouets en bois, siege auto, biberon, tetine, carrinho de bebe, fraldas, brinquedos, passeggino, pannolini, giocattoli,
    baby carrier wrap, baby sling, baby bath, changing table, changing bag, diaper bag, nappy bag, baby blanket, sleeping bag baby,
    baby bottles, sippy cup, teether, baby toys, rattle, play mat, playpen, baby gate, bouncer, baby swing, kids bike, balance bike,
    scooter for kids, kids shoes, school uniform, school supplies, backpack for school, kids tablet, learning app, children's app,
    kids subscription box, family holiday park, family resort, baby shampoo, baby lotion, prenatal vitamins, pregnancy pillow,
    maternity clothes, nursing bra, breast pads, board games for families, family board games, lego, puzzle, puzzles,
    wickeltasche, wickeltisch, babyschale, laufrad, kinderfahrrad, schulranzen, spielmatte, beissring, babybett, umstandsmode,
    bolsa de panales, cambiador, mochila portabebes, bicicleta infantil, mochila escolar, cuna, ropa premama, juegos de mesa,
    sac a langer, table a langer, porte bebe, velo enfant, cartable, lit bebe, vetements de grossesse, jeux de societe`],
];

/**
 * Clothing and kit named by the sport it is for is sportswear ("cycling apparel", "yoga pants",
 * "running jacket"): the sport decides the audience, not the garment. Longest match first makes
 * these win over the garment alone.
 */
const sports = 'running, cycling, bike, yoga, gym, workout, training, fitness, sports, athletic, pilates, crossfit, lifting, boxing, triathlon, marathon';
const kit = `apparel, clothing, clothes, wear, gear, kit, shorts, tights, pants, leggings, jacket, top, tops, tee, shirt, hoodie, bra,
  socks, shoes, jersey, outfit, outfits, set, bag, bottle, gloves, headphones, earbuds, watch, belt`;
const split = (x: string) => x.split(',').map((w) => w.trim()).filter(Boolean);
groups.push([
  'fitness',
  [
    ...split(sports).flatMap((sport) => split(kit).map((item) => `${sport} ${item}`)),
    ...split('ropa de running, ropa de ciclismo, ropa de yoga, ropa de entrenamiento, vetements de running, vetements de yoga, vetements de velo, tenue de sport, laufbekleidung, radbekleidung, radtrikot, yogahose, trainingsjacke, sporthose').map((x) => x),
  ].join(', '),
]);

export interface AudienceWeight {
  niche: string;
  weight: number;
}

interface ProductEntry {
  term: Term;
  audience: AudienceWeight[];
  /** number of tokens, for longest-match-first */
  length: number;
}

const entries: ProductEntry[] = groups.flatMap(([spec, words]) => {
  const audience = spec.split(',').map((part) => {
    const [niche, w] = part.trim().split(':');
    return { niche: niche!.trim(), weight: w === undefined ? 1 : Number(w) };
  });
  return words
    .split(',')
    .map((w) => w.replace(/\s+/g, ' ').trim())
    .filter((w) => w.length > 0)
    .map((w) => ({ term: term(w), audience, length: tokens(w).length }));
});
// longest phrases first, so "vetements de sport" claims its words before "vetements" can
entries.sort((a, b) => b.length - a.length);

/** Every single word of the product map, for hashtag segmentation. */
export const productWords: readonly string[] = [...new Set(entries.flatMap((e) => e.term.key.split(' ')))];

export interface ProductMatch {
  /** the product as the brief wrote it (lexicon form) */
  product: string;
  /** where the text first names it (character offset in the token sequence) */
  position: number;
  audience: AudienceWeight[];
}

/**
 * The products a text names and the audience each implies. A word already claimed by a longer
 * product ("cat" in "cat litter") is not matched again by a shorter one.
 */
export function findProducts(view: TextView): ProductMatch[] {
  const claimed = new Set<string>();
  const out: ProductMatch[] = [];
  for (const e of entries) {
    if (!matches(view, e.term)) continue;
    const words = e.term.key.split(' ');
    if (words.every((w) => claimed.has(w))) continue;
    for (const w of words) claimed.add(w);
    const at = view.sequence.indexOf(` ${e.term.key} `);
    out.push({ product: e.term.display, position: at < 0 ? view.sequence.length : at, audience: e.audience });
  }
  return out.sort((a, b) => a.position - b.position);
}

/** The product tokens of a text: words a brief uses for what is sold, not for who should promote it. */
export function productTokens(matchesFound: ProductMatch[]): Set<string> {
  return new Set(matchesFound.flatMap((m) => term(m.product).key.split(' ')));
}

/** Adds weighted niches, keeping the highest weight per niche, strongest first. */
export function mergeAudience(...lists: AudienceWeight[][]): AudienceWeight[] {
  const best = new Map<string, number>();
  for (const list of lists) for (const a of list) best.set(a.niche, Math.max(best.get(a.niche) ?? 0, a.weight));
  return [...best.entries()].map(([niche, weight]) => ({ niche, weight })).sort((a, b) => b.weight - a.weight || a.niche.localeCompare(b.niche));
}

/**
 * The audience of the products a text names. The niche most of the products are for (on a tie, the
 * one named first: what is sold comes before where it sits) is the primary audience, weight 1; other
 * products' niches are a side audience (at most 0.6, by how many products point to them); a
 * product's own secondary niches keep their weight ("protein bar" → food 0.3).
 */
export function audienceOfProducts(found: ProductMatch[]): AudienceWeight[] {
  const primary = new Map<string, { count: number; first: number }>();
  const secondary = new Map<string, number>();
  for (const p of found) {
    for (const a of p.audience) {
      if (a.weight >= 1) {
        const e = primary.get(a.niche) ?? { count: 0, first: p.position };
        primary.set(a.niche, { count: e.count + 1, first: Math.min(e.first, p.position) });
      } else secondary.set(a.niche, Math.max(secondary.get(a.niche) ?? 0, a.weight));
    }
  }
  const ranked = [...primary.entries()].sort((a, b) => b[1].count - a[1].count || a[1].first - b[1].first);
  const maxCount = ranked[0]?.[1].count ?? 1;
  const weights = ranked.map(([niche, e], i) => ({ niche, weight: i === 0 ? 1 : Math.round(60 * (e.count / maxCount)) / 100 }));
  return mergeAudience(weights, [...secondary.entries()].map(([niche, weight]) => ({ niche, weight })));
}

/**
 * Who a product is used by, when the brief says it and that is a child or an animal: "kids'
 * sunscreen", "baby shampoo", "toys for dogs", "Spielzeug für Hunde", "juguetes para perros",
 * "jouets pour chats". A product for a dependent is bought and shown by the parent or owner, so the
 * audience is family or pet creators whatever the product's own niche; that niche stays as a side
 * audience (a dog toy is no family product, kids' sunscreen is still skincare). Only dependents
 * count: "travel insurance for families" or "skincare for mums" are used by adults, whose niche the
 * product already names.
 */
const dependents: [string, string][] = [
  ['family', `kid, kids, child, children, baby, babies, toddler, toddlers, infant, infants, newborn, newborns, preschooler,
    preschoolers, kinder, kindern, kleinkind, kleinkinder, babys, schulkinder, nino, ninos, nina, ninas, bebe, bebes, enfant,
    enfants, bambino, bambini, crianca, criancas, infantil, infantiles, enfantin, enfantine, infantile, bimbi`],
  ['pet', `dog, dogs, cat, cats, pet, pets, puppy, puppies, kitten, kittens, hund, hunde, hunden, katze, katzen, haustier,
    haustiere, perro, perros, gato, gatos, mascota, mascotas, chien, chiens, chat, chats, chiot, chiots, chaton, chatons,
    animaux, cani, gatti, cachorro, cachorros, canino, canina, caninos, felino, felina, felinos`],
];
const dependentOf = new Map(
  dependents.flatMap(([niche, words]) =>
    words
      .split(',')
      .map((w) => w.trim())
      .filter(Boolean)
      .map((w) => [tokens(w)[0]!, niche] as const),
  ),
);
/** "for" in the covered languages, and the words that may stand between it and whom it names */
const forWords = new Set(['for', 'fur', 'para', 'pour', 'per', 'pra']);
/** "of" in the Romance languages: right after the product it says whom it is for ("ropa de bebé", "jouets de chien") */
const ofWords = new Set(['de', 'du', 'des', 'del', 'di', 'da', 'do', 'dei', 'delle']);
const between = new Set(
  tokens(`the your their our my little small big young older senior active happy all every los las tus sus nuestros nuestras
    les vos nos leurs tes die den deine ihre unsere kleine kleinen großen i tuoi vostri`),
);
/** a "for" this far after the product still belongs to it ("toys and chews for dogs") */
const FOR_GAP = 3;
/** verbs after which "for" introduces whom the brand seeks, not whom the product is for */
const seeking = new Set(tokens('looking searching seeking search suchen sucht busca buscamos buscan cherche cherchons recherche recherchons cerca cerchiamo procura'));

function dependentAfter(seq: string[], from: number): string | undefined {
  // an adjective after the noun, as Romance languages place it: "ropa infantil", "jouets enfant"
  const next = from < seq.length ? dependentOf.get(seq[from]!) : undefined;
  if (next) return next;
  for (let i = from; i < Math.min(seq.length, from + FOR_GAP + 1); i++) {
    const w = seq[i]!;
    if (seeking.has(w)) return undefined;
    if (!forWords.has(w) && !(i === from && ofWords.has(w))) continue;
    // "for dogs", "for our little ones' kids", "for school kids"; "for people who love dogs" names adults
    for (let j = i + 1; j < Math.min(seq.length, i + 4); j++) {
      const niche = dependentOf.get(seq[j]!);
      if (niche) return niche;
      if (!between.has(seq[j]!) && isFunctionWord(seq[j]!)) return undefined;
    }
    return undefined;
  }
  return undefined;
}

const friendly = new Set(tokens('friendly freundlich friendly'));
const families = new Set(tokens('family families familie familien familia familias famille familles famiglia'));

/** "kids' sunscreen", "baby sleeping bags", "dog's new bed": a dependent one or two words before the product */
function dependentBefore(seq: string[], start: number): string | undefined {
  // "dog-friendly hotel", "family-friendly resort", "kid-friendly recipes"
  if (start >= 2 && friendly.has(seq[start - 1]!)) {
    const who = seq[start - 2]!;
    return dependentOf.get(who) ?? (families.has(who) ? 'family' : undefined);
  }
  const prev = start > 0 ? dependentOf.get(seq[start - 1]!) : undefined;
  if (prev || start < 2) return prev;
  const gap = seq[start - 1]!;
  return isFunctionWord(gap) || forWords.has(gap) || ofWords.has(gap) ? undefined : dependentOf.get(seq[start - 2]!);
}

/** The products with their audience moved to the dependent they are for, when the text names one. */
export function forDependents(view: TextView, found: ProductMatch[]): ProductMatch[] {
  const seq = view.sequence.trim().split(' ');
  return found.map((p) => {
    const start = view.sequence.slice(0, p.position).split(' ').length - 1;
    if (start < 0 || start >= seq.length) return p;
    const end = start + term(p.product).key.split(' ').length;
    const niche = dependentBefore(seq, start) ?? dependentAfter(seq, end);
    if (!niche || p.audience.some((a) => a.niche === niche && a.weight >= 1)) return p;
    const own = p.audience.filter((a) => a.niche !== niche).map((a) => ({ niche: a.niche, weight: Math.min(a.weight, DEPENDENT_SIDE) }));
    return { ...p, audience: [{ niche, weight: 1 }, ...own] };
  });
}
/** what is left of a product's own niche when it is for a child or an animal */
const DEPENDENT_SIDE = 0.3;

/** German compounds that start with the dependent: "Kindersonnencreme", "Hundeshampoo", "Babyöl" */
const compoundPrefixes: [string, string][] = (
  [
    ['family', 'kinder, kinders, baby, babys, kleinkind, kleinkinder'],
    ['pet', 'hunde, hund, katzen, katze, welpen, haustier, tier'],
  ] as const
).flatMap(([niche, list]) => list.split(',').map((w): [string, string] => [w.trim(), niche]));
const singleWordProducts = new Map(entries.filter((e) => e.length === 1).map((e) => [e.term.key, e.audience] as const));

/**
 * Products written as one compound with their dependent, which the product map does not list
 * whole: the dependent's niche first, the product's own as a side audience.
 */
export function dependentCompounds(view: TextView, found: ProductMatch[]): ProductMatch[] {
  // a product's tokens, and a phrase written as one word ("babyshampoo" is "baby shampoo")
  const claimed = new Set([...productTokens(found), ...found.map((p) => term(p.product).key.replaceAll(' ', ''))]);
  const out: ProductMatch[] = [];
  for (const token of view.tokens) {
    if (claimed.has(token)) continue;
    for (const [prefix, niche] of compoundPrefixes) {
      if (!token.startsWith(prefix)) continue;
      const own = singleWordProducts.get(token.slice(prefix.length));
      if (!own || token.length - prefix.length < 4) continue;
      const at = view.sequence.indexOf(` ${token} `);
      const side = own.filter((a) => a.niche !== niche).map((a) => ({ niche: a.niche, weight: Math.min(a.weight, DEPENDENT_SIDE) }));
      out.push({ product: token, position: at < 0 ? view.sequence.length : at, audience: [{ niche, weight: 1 }, ...side] });
      break;
    }
  }
  return [...found, ...out].sort((a, b) => a.position - b.position);
}

export function productAudience(text: string): { products: ProductMatch[]; audience: AudienceWeight[] } {
  const view = textView(text);
  const products = dependentCompounds(view, forDependents(view, findProducts(view)));
  return { products, audience: audienceOfProducts(products) };
}
