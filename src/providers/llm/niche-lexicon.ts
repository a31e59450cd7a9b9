import { productWords } from './product-audience.js';
import { foldText, hasPrefix, isUnspaced, matches, segmentHashtag, term } from './text-features.js';
import type { Term, TextView } from './text-features.js';

/**
 * The niche lexicon of the rule-based LLM stand-in: for each niche, the words that name it (in the
 * languages creators post in), related words and hashtags, and the prefixes of compound hashtags.
 * Lists are comma-separated; a two-word entry matches as a phrase or written as one word.
 */
interface NicheSource {
  id: string;
  /** words that name the niche: a brief mentioning one asks for the niche; a category label with one is strong evidence */
  names: string;
  /** related words, hashtags and brands; the first ones go into search queries */
  terms: string;
  /** prefixes of compound hashtags ("dogsofinstagram" → "dogsof"); only unambiguous ones */
  stems: string;
}

const sources: NicheSource[] = [
  {
    id: 'beauty',
    names: `beauty, makeup, make up, cosmetics, skincare, skin care, mua, bblogger, beauty blogger, maquillaje, maquiagem,
      maquillage, belleza, beleza, beaute, kosmetik, schminke, hautpflege, haarpflege, pflegeroutine, soins de la peau,
      soin de la peau, cuidado de la piel, manicura, ongles, trucco, bellezza, kecantikan, 뷰티, 메이크업, 화장품, メイク, コスメ, 美妆, 化妆`,
    terms: `makeup artist, makeup tutorial, lipstick, eyeshadow, eyeliner, mascara, foundation, concealer, contour, highlighter,
      blush, bronzer, primer, lashes, brows, eyebrows, nails, nail art, manicure, hairstyle, hairstylist, haircare, curly hair,
      natural hair, frisuren, peinados, coiffure, serum, moisturizer, sunscreen, cleanser, toner, glow, skin, complexion, acne, fragrance, perfume, motd, eotd,
      wakeupandmakeup, makeupartist, hudabeauty, anastasiabeverlyhills, fentybeauty, sephora, ulta, maccosmetics, nyxcosmetics,
      morphe, tartecosmetics, urbandecay, glossier, kbeauty, swatches, lipgloss, makeuplover, makeupjunkie, cosmetic, cruelty free,
      behindthechair, 스킨케어, 립스틱, 코스메틱, スキンケア, 护肤`,
    stems: `makeup, beauty, skincare, lipstick, eyeshadow, lashes, cosmetic, bblog, hudabeauty, anastasiabeverly, fentybeauty,
      sephora, morphe, nailart, haircare, glowup`,
  },
  {
    id: 'fashion',
    names: `fashion, fashionista, fashion blogger, outfit, outfits, ootd, clothing, apparel, streetwear, menswear, womenswear,
      stylist, moda, fesyen, tenue, tenues, modeblogger, modebloggerin, modebloggerinnen, modeinfluencer, modeinfluencerin,
      blogueuse mode, influenceuse mode, influenceuses mode, 패션, ファッション, コーデ, 时尚, 穿搭`,
    terms: `style, outfit of the day, lookbook, look of the day, streetstyle, street style, styleblogger, whatiwore, wiwt, fblogger,
      instafashion, fashiongram, liketkit, ltkstyletip, ltkunder50, ltkunder100, ltkshoecrush, ltksalealert, outfitinspo, styleinspo,
      dress, dresses, shoes, sneakers, heels, boots, jeans, denim, jacket, coat, blazer, skirt, handbag, purse, accessories,
      jewelry, jewellery, earrings, necklace, sunglasses, thrifted, designer, runway, couture, wardrobe, styling, fashionweek, nyfw,
      zara, gucci, chanel, dior, prada, louis vuitton, nordstrom, shopbop, revolve, mystyle, instastyle, whatiworetoday, 데일리룩,
      코디, 옷스타그램, 오오티디, 패션스타그램`,
    stems: `fashion, outfit, ootd, streetstyle, styleblog, lookbook, ltk, liketkit, whatiwore, mensfashion, menswear, streetwear,
      styleinspo, lookoftheday, 패션`,
  },
  {
    id: 'fitness',
    names: `fitness, gym, workout, workouts, bodybuilding, fitspo, fitfam, personal trainer, fitness coach, fitness trainer,
      fitness model, crossfit, calisthenics, powerlifting, weightlifting, entrenamiento, gimnasio, treino, musculacao,
      musculation, entrainement, coach sportif, coachs sportifs, krafttraining, trainingsplan, trainingsplane, entrenador personal,
      entrenadores personales,
      allenamento, 운동, 헬스, 피트니스, 筋トレ, フィットネス, 健身`,
    terms: `fit, fitgirl, fitlife, fitnessmotivation, fitnessjourney, gymlife, gymmotivation, girlswholift, girlswithmuscle, abs,
      muscle, gains, strength, strong, cardio, hiit, squat, deadlift, bench press, lifting, weights, trainer, coach, training,
      personal training, athlete, running, runner, marathon, yoga, yogi, pilates, protein, whey, preworkout, supplements, macros,
      bulking, shredded, transformation, physique, bikini competitor, ifbb, kettlebell, sweat, endurance, mobility, leg day,
      glutes, booty, bodyweight, home workout, bpiathlete, gymshark, instafit, fitnessmodel, fitnessgirl, mondaymotivation,
      weight loss, 다이어트, 바디프로필, ダイエット`,
    stems: `fitness, fitfam, fitspo, fitgirl, fitlife, fitmom, gym, workout, bodybuild, girlswholift, crossfit, weightlift,
      powerlift, cardio, hiit, yoga, pilates, muscle, legday, 운동, 헬스`,
  },
  {
    id: 'food',
    names: `food, foodie, foodies, cooking, recipe, recipes, chef, baking, cuisine, culinary, food blogger, restaurant, restaurants,
      comida, cocina, receita, recette, recettes, cucina, ricetta, kochen, rezept, rezepte, recetas, receta, patisserie,
      cuisine maison, gastronomie, backen, makanan, kuliner, 맛집, 먹스타그램, 요리, グルメ, 料理, 美食`,
    terms: `foodporn, instafood, foodstagram, foodphotography, feedfeed, f52grams, eeeeeats, huffposttaste, buzzfeast, buzzfeedfood,
      thekitchn, beautifulcuisines, foodgawker, forkyeah, yummy, delicious, tasty, homemade, breakfast, brunch, lunch, dinner,
      dessert, cake, chocolate, cookies, bread, pasta, pizza, burger, sushi, ramen, salad, soup, coffee, wine, cocktail, vegan,
      vegetarian, postres, desserts, fruhstuck, plantbased, plant based, glutenfree, gluten free, dairyfree, healthy food, healthy eating, cleaneating,
      meal prep, snack, snacks, protein bar, keto, paleo, bake, baker, pastry, bbq, foodstyling, dish, meal, flavor, flavour,
      ingredients, spicy, slimmingworld, foodblog, realfood, eat, eats, eating, 디저트, 카페, スイーツ, 甜品`,
    stems: `food, recipe, foodie, instafood, feedfeed, f52, eeeeeats, vegan, glutenfree, dairyfree, plantbased, dessert, baking,
      brunch, breakfast, yummy, delicious, tasty, slimmingworld, cooking, mealprep, keto, huffposttaste, buzzfeedfood, 맛집, 먹스타`,
  },
  {
    id: 'travel',
    names: `travel, traveling, travelling, traveler, traveller, tourism, wanderlust, travel blogger, vacation, holiday, holidays,
      backpacking, viaje, viajes, viajeros, viagem, voyage, voyages, reisen, urlaub, fernreisen, vacances, vacaciones, viaggio, viaggi, liburan, 여행, 旅行, 旅游`,
    terms: `travelgram, instatravel, travelblogger, travelphotography, beautifuldestinations, passionpassport, explore, exploring,
      neverstopexploring, exploretocreate, adventure, trip, roadtrip, journey, destination, beach, island, mountains, hiking,
      sunset, ocean, landscape, hotel, resort, airbnb, flight, airport, passport, backpacker, nomad, digital nomad, vanlife,
      cruise, sightseeing, abenteuer, destinos, playas, escapadas, aventure, tour, tourist, city break, dametraveler, sheisnotlost, darlingescapes, traveldeeper, optoutside,
      wonderful places, lonelyplanet, jetsetter, vacay, wanderer, globetrotter, 여행스타그램, 旅`,
    stems: `travel, wanderlust, vacation, holiday, roadtrip, backpack, beautifuldestination, passionpassport, vanlife,
      instatravel, exploretheworld, 여행`,
  },
  {
    id: 'pet',
    names: `pet, pets, dog, dogs, cat, cats, puppy, puppies, kitten, kittens, animal, animals, petfluencer, mascota, mascotas, perro,
      perros, gato, gatos, cachorro, chien, chiens, animaux, animaux de compagnie, hund, hunde, hundebesitzer,
      katzen, haustier, haustiere, tierliebe, katze, gatto, gatti, cani, cucciolo, cuccioli, animali, anjing, kucing, 강아지, 고양이, 반려견, 반려묘, 犬, 猫, 狗`,
    terms: `dogsofinstagram, catsofinstagram, dogstagram, catstagram, petstagram, petsofinstagram, puppylove, doggo, pupper, woof,
      meow, weeklyfluff, bestwoof, bestmeow, dogoftheday, instadog, instacat, rescue dog, adoptdontshop, adopt, shelter, vet,
      veterinarian, paw, paws, furbaby, fur baby, golden retriever, frenchie, french bulldog, labrador, corgi, husky, pug,
      dachshund, poodle, bulldog, australian shepherd, chihuahua, pomeranian, bunny, rabbit, hamster, parrot, horse, equestrian,
      tongueouttuesday, hundetraining, dog training, buzzfeedanimals, kitty, 멍스타그램, 냥스타그램, いぬすたぐらむ, ねこすたぐらむ`,
    stems: `dog, puppy, puppies, kitten, kitty, catsof, catstagram, catlover, catlife, petsof, petstagram, petlover,
      doggo, woof, meow, corgi, frenchie, husky, goldenretriever, rescuedog, adoptdontshop, bestwoof, bestmeow, instacat,
      weeklyfluff, 멍스타, 냥스타`,
  },
  {
    id: 'interior',
    names: `interior, interiors, interior design, interior designer, home decor, decor, interior styling, home design, furniture,
      home renovation, interiorismo, decoracion, decoracao, decoration, innenarchitektur, einrichtung, wohnideen,
      wohnzimmer, wohnen, decoration interieure, deco maison, arredamento, 인테리어,
      집꾸미기, インテリア, 室内设计, 家居`,
    terms: `interiordesign, homedecor, interiorstyling, interiorinspo, interior4all, interior123, bhghome, mybhg, sodomino,
      apartmenttherapy, myhomevibe, myhome, instahome, homedesign, living room, bedroom, kitchen, bathroom, dining room, renovierung, reformas, muebles, decorar, farmhouse,
      farmhousestyle, modern farmhouse, fixerupper, scandinavian, minimalist, boho, mid century, sofa, couch, rug, houseplants,
      shelfie, homestyle, homesweethome, cozy, hygge, renovation, remodel, makeover, wallpaper, tiles, lighting, lamp, antiques,
      architecture, real estate, house, home, currenthomeview, howyouhome, cornerofmyhome, pocketofmyhome, 暮らし, マイホーム, 집스타그램`,
    stems: `interior, homedecor, homedesign, homestyle, homeinspo, homesweethome, homeinterior, decor, kitchendesign, kitchendecor,
      livingroom, bedroomdecor, farmhouse, fixerupper, bhg, apartmenttherapy, sodomino, myhome, instahome, renovat, furniture,
      scandi, 인테리어, 집스타`,
  },
  {
    id: 'family',
    names: `family, families, parenting, parent, parents, parenthood, mom, moms, mum, mums, mother, mothers, motherhood, dad, dads,
      father, fatherhood, mommy, mama, baby, babies, kids, kid, children, child, toddler, newborn, pregnancy, mom blogger,
      mommy blogger, familia, famille, maman, mamans, papa, papas, mama, mamas, mae, familie, familienalltag, eltern, mutter, kinder, kleinkinder,
      babys, bebes, enfants, crianza, maternite, bambini, mamma, mamme, famiglia, genitori, figli, maternita, keluarga, 육아, 엄마, 아기, 子育て, ママ, 育儿, 宝宝`,
    terms: `momlife, mumlife, momblogger, mommyblogger, mummyblogger, momsofinstagram, motherhoodunplugged, childhoodunplugged,
      letthembelittle, candidchildhood, momswithcameras, clickinmoms, motherhoodrising, magicofchildhood, cameramama, boymom,
      girlmom, babygirl, babyboy, pregnant, bump, maternity, breastfeeding, nursery, homeschool, playtime, bedtime, siblings,
      son, daughter, husband, wife, twins, kidsfashion, toddlerlife, familytime, familytravel, dadlife, family time, instakids,
      dailyparenting, momtogs, uniteinmotherhood, motherhoodthroughinstagram, 육아스타그램, 딸, 아들`,
    stems: `momlife, moms, momblog, mommy, mummy, mumlife, motherhood, mama, baby, babies, kids, toddler, newborn, pregnan, parent,
      family, childhood, dadlife, fatherhood, boymom, girlmom, 육아, 엄마`,
  },
  {
    id: 'tech',
    names: `tech, technology, gadget, gadgets, tech review, electronics, software, programming, coding, developer, tecnologia,
      technologie, 테크, テック, ガジェット, 科技, 数码`,
    terms: `smartphone, iphone, android, samsung, apple, pixel, laptop, macbook, computer, desk setup, keyboard, headphones,
      earbuds, drone, unboxing, review, specs, startup, app, apps, code, coder, javascript, python, web developer, engineer,
      engineering, robotics, smartwatch, wearable, vr, ai, artificial intelligence, crypto, blockchain, 3d printing, techie, techtok`,
    stems: `tech, gadget, iphone, android, unbox, coding, programm, smartphone, laptop, macbook`,
  },
  {
    id: 'gaming',
    names: `gaming, gamer, gamers, video games, videogames, esports, streamer, twitch, videojuegos, jogos, 게임, ゲーム, 游戏`,
    terms: `playstation, ps4, ps5, xbox, nintendo, pc gaming, fortnite, minecraft, call of duty, league of legends, valorant, apex,
      overwatch, gta, pokemon, zelda, retro gaming, console, controller, stream, streaming, speedrun, cosplay, gamergirl,
      gamerguy, gameplay, steam, rpg, mmo`,
    stems: `gaming, gamer, gameplay, playstation, ps4, ps5, xbox, nintendo, esport, twitch, fortnite, minecraft`,
  },
  {
    id: 'music',
    names: `music, musician, singer, songwriter, rapper, hip hop, dj, music producer, band, musica, musique, musik, 음악, 音楽, 音乐`,
    terms: `guitar, piano, drums, concert, festival, album, song, songs, spotify, soundcloud, cover, vocals, edm, kpop, rap, beats,
      livemusic, singing, studio`,
    stems: `music, musician, singer, guitar, piano, hiphop, livemusic, newmusic, kpop`,
  },
  {
    id: 'sports',
    names: `sports, sport, football, soccer, basketball, baseball, tennis, golf, cycling, surfing, skateboarding, snowboarding,
      skiing, hockey, deportes, futbol, esporte, 스포츠, スポーツ, 体育`,
    terms: `athlete, nba, nfl, mlb, fifa, mma, boxing, ufc, match, game day, team, coach, stadium, league, championship, surf,
      skate, bike, climbing`,
    stems: `football, soccer, basketball, baseball, tennis, golf, cycling, surf, skate, snowboard, hockey, nba, nfl`,
  },
  {
    id: 'art',
    names: `art, artist, artists, illustration, illustrator, drawing, painting, painter, artwork, digital art, graphic design,
      tattoo, tattoos, arte, 아트, 그림, アート, イラスト, 艺术, 插画`,
    terms: `sketch, watercolor, acrylic, canvas, design, designer, calligraphy, lettering, sculpture, gallery, artoftheday, procreate,
      mural, street art, ink, tattoo artist, 드로잉`,
    stems: `illustrat, drawing, painting, artwork, artist, sketch, watercolor, tattoo, calligraph, 그림`,
  },
  {
    id: 'photography',
    names: `photography, photographer, photographers, fotografia, fotografie, photographie, 사진, 写真, 摄影`,
    terms: `photo, photos, camera, portrait, portraits, landscape photography, canon, nikon, lightroom, film photography, 35mm,
      shotoniphone, photoshoot, lens, vsco, moodygrams, agameoftones, artofvisuals, streetphotography`,
    stems: `photograph, portrait, streetphoto, filmphoto, shoton, 사진`,
  },
  {
    id: 'business',
    names: `business, entrepreneur, entrepreneurs, entrepreneurship, startup founder, small business, personal finance, finance,
      investing, negocios, emprendedor, 비즈니스, ビジネス, 创业`,
    terms: `startup, founder, ceo, money, investing, investor, stocks, real estate, side hustle, leadership, productivity, career,
      hustle, smallbusiness, ecommerce, financial freedom, wealth, 재테크`,
    stems: `entrepreneur, business, smallbusiness, startup, invest, finance, hustle`,
  },
  {
    id: 'wellness',
    names: `wellness, health, mental health, mindfulness, meditation, self care, selfcare, nutrition, nutritionist, dietitian,
      wellbeing, well being, bienestar, salud, saude, 웰니스, 健康`,
    terms: `holistic, healthy living, healthylifestyle, sleep, therapy, anxiety, breathwork, gut health, vitamins, mindful,
      healing, organic, detox, 명상`,
    stems: `wellness, mentalhealth, mindful, meditat, selfcare, nutrition, wellbeing, healthyliving, healthylifestyle`,
  },
  {
    id: 'outdoors',
    names: `outdoors, outdoor, hiking, camping, climbing, mountaineering, trail running, national park, nature, fishing, hunting,
      senderismo, wandern, 등산, 캠핑, 登山, キャンプ`,
    terms: `hike, hiker, trail, trails, camp, tent, backcountry, mountains, summit, kayak, kayaking, canoe, wildlife, forest,
      optoutside, getoutside, rei, patagonia, nationalpark, 캠핑스타그램`,
    stems: `hiking, camping, climbing, outdoor, optoutside, getoutside, nationalpark, backcountry, 등산, 캠핑`,
  },
  {
    id: 'automotive',
    names: `cars, car, automotive, motorcycle, motorcycles, motorbike, supercar, supercars, jdm, racing, 자동차, 車`,
    terms: `carsofinstagram, f1, formula 1, tesla, porsche, bmw, ferrari, lamborghini, mercedes, audi, honda, toyota, nissan,
      drift, track day, car meet, garage, mechanic, horsepower, exotic cars, motorsport, ev`,
    stems: `carsof, supercar, jdm, motorcycle, motorbike, motorsport, carporn, carlifestyle`,
  },
  {
    id: 'books',
    names: `books, book, bookstagram, booktok, reading, reader, readers, author, authors, writer, writing, literature, poetry,
      libros, livres, 책, 読書, 读书`,
    terms: `novel, novels, bookworm, booklover, bookish, library, fiction, fantasy books, romance books, book review, tbr,
      currentlyreading, bookclub, poet, 책스타그램`,
    stems: `bookstagram, booktok, bookworm, booklover, bookish, currentlyread, bookclub, 책스타`,
  },
  {
    id: 'comedy',
    names: `comedy, comedian, comedians, humor, humour, memes, meme, jokes, sketch comedy, stand up, standup, skits`,
    terms: `funny, lol, prank, pranks, parody, satire, relatable, laugh, hilarious, funnyvideos`,
    stems: `comedy, comedian, meme, funnyvideo, standup`,
  },
  {
    id: 'wedding',
    names: `wedding, weddings, bride, brides, bridal, groom, wedding planner, boda, casamento, mariage, hochzeit, 웨딩, 結婚式, 婚礼`,
    terms: `weddingdress, wedding dress, weddingphotography, weddinginspiration, bridesmaid, engagement ring, ceremony, reception,
      honeymoon, vows, veil, bouquet, elopement`,
    stems: `wedding, bride, bridal, elope`,
  },
  {
    id: 'diy',
    names: `diy, crafts, craft, crafting, handmade, knitting, crochet, sewing, woodworking, pottery, ceramics, embroidery, 手作り, 手工`,
    terms: `maker, makers, upcycling, upcycled, quilting, yarn, knit, handcrafted, etsy, etsyshop, macrame, weaving, clay, wood, tutorial`,
    stems: `diy, craft, handmade, knit, crochet, sewing, woodwork, pottery, ceramic, embroider, upcycl, quilt`,
  },
  {
    id: 'sustainability',
    names: `sustainability, sustainable, eco, zero waste, zerowaste, eco friendly, ecofriendly, climate, environment, slow fashion`,
    terms: `recycling, recycle, organic, plastic free, plasticfree, ethical, conscious, secondhand, thrift, compost, green living,
      climate change, upcycle, reusable`,
    stems: `sustainab, zerowaste, ecofriendly, plasticfree, slowfashion, ethicalfashion, greenliving, climate`,
  },
];

export interface Niche {
  id: string;
  names: Term[];
  terms: Term[];
  stems: string[];
  /** a few characteristic words for search queries, in lexicon order */
  queryTerms: string[];
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.replace(/\s+/g, ' ').trim())
    .filter((x) => x.length > 0);

export const niches: readonly Niche[] = sources.map((s) => {
  const names = list(s.names).map(term);
  const terms = list(s.terms).map(term);
  const latin = (t: Term) => t.kind !== 'unspaced';
  return {
    id: s.id,
    names,
    terms,
    stems: list(s.stems).map(foldText),
    queryTerms: [...names.filter(latin).slice(0, 3), ...terms.filter(latin).slice(0, 5)].map((t) => t.display),
  };
});

const byId = new Map(niches.map((n) => [n.id, n]));

export function getNiche(id: string): Niche | undefined {
  return byId.get(id);
}

/** What one text says about one niche. */
export interface NicheEvidence {
  niche: Niche;
  /** niche names found (e.g. "fitness", "gym") */
  names: string[];
  /** related words and hashtags found, names excluded */
  terms: string[];
  /** compound hashtags with a niche prefix, when no exact term matched them */
  prefixHits: number;
}

export function nicheEvidence(view: TextView, niche: Niche): NicheEvidence {
  // an empty text (a creator without category labels: every label-blind import) matches nothing
  if (view.tokens.size === 0 && !view.unspaced) return { niche, names: [], terms: [], prefixHits: 0 };
  const i = nicheIndex.get(niche);
  const found = i === undefined ? null : lexiconMatches(view);
  const names = distinct(found ? found.names[i!]!.map((p) => niche.names[p]!) : niche.names.filter((t) => matches(view, t)));
  const nameKeys = new Set(names.map((t) => t.key));
  const terms = distinct((found ? found.terms[i!]!.map((p) => niche.terms[p]!) : niche.terms.filter((t) => matches(view, t))).filter((t) => !nameKeys.has(t.key)));
  const prefixHits = found ? found.prefixHits[i!]! : niche.stems.filter((p) => hasPrefix(view, p)).length;
  return { niche, names: names.map((t) => t.display), terms: terms.map((t) => t.display), prefixHits };
}

/**
 * The scorer asks what every niche's names and terms match in the same text (22 niches, ~1,500
 * terms, for each of 150 candidates a job). A term can only match when one of its trigger tokens
 * is among the text's tokens — its key (a word), its words run together or its first word (a
 * phrase) — or, for unspaced-script terms, when the text has unspaced letters. So each text's
 * tokens are looked up once in an index of triggers, only the terms found are checked with
 * `matches`, and the answer for all niches is kept with the view: the same matches, in lexicon
 * order, as testing every term.
 */
interface TermRef {
  niche: number;
  names: boolean;
  pos: number;
}
const nicheIndex = new Map(niches.map((n, i) => [n, i]));
const triggers = new Map<string, TermRef[]>();
const unspacedTerms: TermRef[] = [];
niches.forEach((n, niche) => {
  for (const [names, list] of [[true, n.names], [false, n.terms]] as const) {
    list.forEach((t, pos) => {
      const ref: TermRef = { niche, names, pos };
      const on = (token: string) => {
        const refs = triggers.get(token);
        if (refs) refs.push(ref);
        else triggers.set(token, [ref]);
      };
      if (t.kind === 'token') on(t.key);
      else if (t.kind === 'phrase') {
        on(t.key.replaceAll(' ', ''));
        on(t.key.slice(0, t.key.indexOf(' ')));
      } else unspacedTerms.push(ref);
    });
  }
});

/**
 * Hashtag prefixes by their first two code units (every prefix has at least two): a token can only
 * extend the prefixes it starts like, so each token is looked up once, where testing every prefix
 * of every niche against the text (~300 of them) cost as much as all the terms.
 */
interface StemRef {
  niche: number;
  stem: string;
}
const STEM_HEAD = 2;
const stemsByHead = new Map<string, StemRef[]>();
niches.forEach((n, niche) => {
  for (const stem of n.stems) {
    if (stem.length < STEM_HEAD) throw new Error(`niche ${n.id}: hashtag prefix "${stem}" is shorter than ${STEM_HEAD} characters`);
    const head = stem.slice(0, STEM_HEAD);
    const refs = stemsByHead.get(head);
    if (refs) refs.push({ niche, stem });
    else stemsByHead.set(head, [{ niche, stem }]);
  }
});

interface LexiconMatches {
  /** per niche (index in `niches`), the positions of its matching names / terms, ascending */
  names: number[][];
  terms: number[][];
  /** per niche, how many of its prefixes some token extends (`hasPrefix`) */
  prefixHits: number[];
}
const matchesByView = new WeakMap<TextView, LexiconMatches>();

function lexiconMatches(view: TextView): LexiconMatches {
  const known = matchesByView.get(view);
  if (known) return known;
  const found: LexiconMatches = { names: niches.map(() => []), terms: niches.map(() => []), prefixHits: niches.map(() => 0) };
  const checked = new Set<TermRef>();
  const check = (ref: TermRef) => {
    if (checked.has(ref)) return;
    checked.add(ref);
    const n = niches[ref.niche]!;
    if (matches(view, (ref.names ? n.names : n.terms)[ref.pos]!)) (ref.names ? found.names : found.terms)[ref.niche]!.push(ref.pos);
  };
  for (const token of view.tokens) for (const ref of triggers.get(token) ?? []) check(ref);
  if (view.unspaced) for (const ref of unspacedTerms) check(ref);
  const extended = new Set<StemRef>();
  for (const token of view.tokens) {
    if (token.length <= STEM_HEAD) continue;
    for (const ref of stemsByHead.get(token.slice(0, STEM_HEAD)) ?? []) {
      if (token.length > ref.stem.length && token.startsWith(ref.stem)) extended.add(ref);
    }
  }
  for (const ref of extended) found.prefixHits[ref.niche]!++;
  for (const list of [...found.names, ...found.terms]) list.sort((a, b) => a - b);
  matchesByView.set(view, found);
  return found;
}

/** How much a text's evidence says about its niche: a name 3, a related word 1, a hashtag prefix ½ (at most two). */
export function evidenceScore(ev: NicheEvidence): number {
  return 3 * ev.names.length + ev.terms.length + Math.min(ev.prefixHits, 2) * 0.5;
}

/** Niches a text is about, strongest first: named niches, or niches with at least two related words. */
export function detectNiches(view: TextView, opts: { minScore?: number } = {}): { evidence: NicheEvidence; score: number }[] {
  const minScore = opts.minScore ?? 2;
  const found: { evidence: NicheEvidence; score: number }[] = [];
  for (const niche of niches) {
    const ev = nicheEvidence(view, niche);
    const score = evidenceScore(ev);
    if (ev.names.length > 0 || score >= minScore) found.push({ evidence: ev, score });
  }
  return found.sort((a, b) => b.score - a.score || a.evidence.niche.id.localeCompare(b.evidence.niche.id));
}

/** One term per matching key ("workout" and "workouts" are one word). */
function distinct(ts: Term[]): Term[] {
  const seen = new Set<string>();
  return ts.filter((t) => (seen.has(t.key) ? false : (seen.add(t.key), true)));
}

/** Short words that glue compound hashtags together ("dogsofinstagram", "mylittlefamily"). */
const glueWords = `of in on the my our your and for with to a life love lover lovers daily day time gram insta instagram ig world
  style inspo inspiration goals vibes official blog blogger mom dad kids home good happy little big best new`;

const glue = new Set(glueWords.split(/\s+/).filter(Boolean));

/** Every single word of the lexicon and the product map, as people spell it: the hashtag vocabulary. */
const hashtagVocabulary: ReadonlySet<string> = new Set(
  [
    ...sources.flatMap((s) => [s.names, s.terms]),
    glueWords,
    productWords.join(' '),
  ]
    .flatMap((s) => foldText(s).split(/[^\p{L}\p{N}]+/u))
    .filter((w) => w.length >= 2 && !isUnspaced(w)),
);

const segmentCache = new Map<string, string[]>();
const SEGMENT_CACHE_MAX = 50_000;

/** A compound hashtag split into lexicon words (#dogsofinstagram → dogs of instagram); [] when it is not one. */
export function segmentTag(token: string): string[] {
  const cached = segmentCache.get(token);
  if (cached) return cached;
  // a real compound has three or more words or a glue word ("catlover"); "lightweight" is one word
  const split = segmentHashtag(token, hashtagVocabulary);
  const parts = split.length >= 3 || split.some((p) => glue.has(p)) ? split : [];
  if (segmentCache.size >= SEGMENT_CACHE_MAX) segmentCache.clear();
  segmentCache.set(token, parts);
  return parts;
}
