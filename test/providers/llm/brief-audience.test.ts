import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandBriefText } from '../../../src/providers/llm/heuristic-expand.js';

/**
 * Who should promote what, read from briefs written the way other people write them: product
 * first or persona first, one line or several clauses, English, German, Spanish, French, Italian
 * and Portuguese, products outside the eval's briefs. Written by the quality2 session to probe
 * brief reading before and after its changes (10 of these had the wrong primary audience at a6a13a1);
 * no labelled data is involved. The expected niche is the one a scout would shortlist from.
 */
const briefs: [string, string][] = [
  ['beauty', 'Collagen gummies for glowing skin — seeking creators who share their morning routine and skincare favourites.'],
  ['beauty', 'We are a hair growth serum brand looking for influencers with long hair who post hair tutorials and wash day routines.'],
  ['beauty', 'Launching a lip oil in six shades. Want makeup lovers, GRWM creators and people who do product hauls.'],
  ['beauty', 'Nuevo sérum antiedad: buscamos influencers de cosmética y cuidado facial con rutinas de noche.'],
  ['beauty', 'Parfümmarke sucht Beauty-Influencerinnen für Duft-Reviews und Make-up-Looks.'],
  ['beauty', 'Marque de vernis semi-permanent cherche des nail artists et des passionnées de manucure.'],
  ['fashion', 'Vintage-inspired sunglasses for summer; we want creators who love thrifting, styling and OOTD posts.'],
  ['fashion', 'Our knitwear brand wants fashion girls who post cosy autumn outfits and layering ideas.'],
  ['fashion', 'Buscamos influencers de moda para nuestra nueva colección de bolsos de piel.'],
  ['fashion', 'Schuhmarke sucht Modeblogger für Streetstyle-Outfits.'],
  ['fashion', 'Bijoux en argent recyclé : nous cherchons des influenceuses mode qui partagent leurs looks et accessoires.'],
  ['fitness', 'Pre-workout drink brand seeks gym rats and lifters who post PRs and leg days.'],
  ['fitness', 'A running watch with GPS: we need runners and triathletes sharing their training logs.'],
  ['fitness', 'Online pilates classes — looking for instructors and fitness lovers who post their routines.'],
  ['fitness', 'Proteinriegel ohne Zucker: wir suchen Fitness-Influencer, die Training und Ernährung zeigen.'],
  ['fitness', 'Marca de suplementos deportivos busca atletas y amantes del gimnasio.'],
  ['fitness', 'Cycling apparel for women who ride: looking for cyclists posting long rides and bike adventures.'],
  ['food', 'A pizza stone and peel set for home bakers who share their weekend bakes and sourdough experiments.'],
  ['food', 'We make hot honey — looking for food creators who post comfort food, fried chicken and pizza nights.'],
  ['food', 'Meal-prep containers: targeting home cooks who batch cook and share weekly recipes.'],
  ['food', 'Marque de thé bio cherche des blogueurs culinaires et des gourmands qui partagent recettes et goûters.'],
  ['food', 'Wir sind eine Gewürzmanufaktur und suchen Foodblogger, die gerne kochen und grillen.'],
  ['food', 'Salsa picante artesanal busca foodies que compartan tacos, recetas y restaurantes.'],
  ['travel', 'Packing cubes and a travel wallet for people who explore the world — looking for travel bloggers and adventurers.'],
  ['travel', 'Our luxury safari lodge in Kenya wants travel creators who share bucket-list trips.'],
  ['travel', 'Ski resort in the Alps seeking creators who post winter holidays and mountain getaways.'],
  ['travel', 'Agencia de viajes busca viajeros que compartan sus aventuras por el mundo.'],
  ['travel', 'Location de vans aménagés : nous cherchons des voyageurs qui partagent road trips et vanlife.'],
  ['pet', 'Calming chews for anxious dogs — looking for dog owners who share training tips and walks.'],
  ['pet', 'Cat tree brand looking for cat lovers who post their kitties napping and playing.'],
  ['pet', 'Premium horse feed: we want equestrians who share life at the stable.'],
  ['pet', 'Wir verkaufen Katzenfutter und suchen Katzenbesitzer und Tierfreunde.'],
  ['pet', 'Marque de croquettes pour chiens cherche des maîtres et des comptes de chiens.'],
  ['pet', 'Snacks naturales para perros: buscamos perrhijos y amantes de los animales.'],
  ['interior', 'Scented candle brand looking for home decor lovers who style cosy corners and tablescapes.'],
  ['interior', 'Bed linen made from organic cotton — we want interior creators who post bedroom makeovers.'],
  ['interior', 'Our modular shelving system is for small apartments: creators who share home organisation and styling.'],
  ['interior', 'Tapeten-Hersteller sucht Interior-Creator, die ihre Wohnung renovieren und einrichten.'],
  ['interior', 'Marca de lámparas de diseño busca creadores de interiorismo y decoración.'],
  ['family', 'Baby sleeping bags in merino wool — for new parents sharing their newborn journey.'],
  ['family', 'A kids bike with training wheels: looking for families who ride together on weekends.'],
  ['family', 'Children\'s vitamins brand seeking mom influencers who talk about healthy kids and family routines.'],
  ['family', 'Porte-bébé ergonomique : nous cherchons des jeunes parents et des comptes de maternité.'],
  ['family', 'Marca de ropa infantil busca mamás influencers que compartan el día a día con sus hijos.'],
  ['family', 'Schulranzen-Marke sucht Familien-Influencer mit Schulkindern.'],
  ['family', 'Family board game night! We make cooperative games and want parents who post playtime with their kids.'],
  ['beauty', 'Makeup artists wanted.'],
  ['beauty', 'Need 20 micro-influencers for our dry shampoo. Think messy buns, second-day hair, quick hacks.'],
  ['beauty', 'Looking for skinfluencers! Our SPF 50 tinted sunscreen is perfect for no-makeup makeup.'],
  ['beauty', 'Teeth whitening strips campaign — smile-focused content, beauty routines, confidence.'],
  ['beauty', 'Cerchiamo beauty influencer per il lancio di un nuovo rossetto.'],
  ['beauty', 'Barber-quality beard oil: grooming creators, men\'s skincare, shaving routines.'],
  ['fashion', 'Fashion influencers with a minimalist aesthetic for a capsule collection drop.'],
  ['fashion', 'Plus-size swimwear: we want body-positive style creators sharing beach outfits, not travel pages.'],
  ['fashion', 'Our watch straps come in 30 colours. Looking for people who love accessories and everyday style.'],
  ['fashion', 'Procuramos influenciadoras de moda para uma marca de sapatos.'],
  ['fitness', 'Home gym equipment — squat racks, plates, benches. Looking for powerlifters and strength coaches.'],
  ['fitness', 'Fitness influencers for our new activewear line.'],
  ['fitness', 'Recovery slides and compression socks for athletes who train hard.'],
  ['fitness', 'Our meal replacement shake is for busy people who work out; we want fitness creators, not food bloggers.'],
  ['fitness', 'Boxing gym opening in Berlin, looking for combat sports and fitness creators.'],
  ['food', 'Looking for foodies!'],
  ['food', 'Organic baby spinach and salad kits: we want healthy-eating creators who share lunch bowls and easy recipes.'],
  ['food', 'Oat milk barista edition — coffee lovers, latte art, café culture.'],
  ['food', 'We are a vegan cheese startup; looking for plant-based cooks and recipe developers.'],
  ['food', 'Cerchiamo food blogger per la nostra pasta artigianale.'],
  ['food', 'A cast-iron skillet brand wants creators who grill, bake cornbread and cook outdoors.'],
  ['travel', 'Travel influencers for a hotel chain in Southeast Asia.'],
  ['travel', 'A luggage brand for weekenders: looking for creators whose feed is trips, airports, hotels.'],
  ['travel', 'Boutique cruise line seeking couples who travel and share their holidays at sea.'],
  ['travel', 'Tourism board of Madeira looking for hikers, explorers and travel photographers.'],
  ['travel', 'Procuramos criadores de conteúdo de viagem para um hotel no Algarve.'],
  ['pet', 'Pet influencers wanted for our grooming salon.'],
  ['pet', 'Our orthopedic dog bed is for senior dogs — looking for accounts run by dogs (and their humans).'],
  ['pet', 'Aquarium plants and fish food brand: aquascapers and fishkeeping accounts.'],
  ['pet', 'Cerchiamo account di cani e gatti per il nostro cibo umido.'],
  ['pet', 'A vet-approved flea treatment; we want pet parents who post care tips.'],
  ['interior', 'Interior influencers for a rug brand.'],
  ['interior', 'Our kitchen cabinets and worktops: we want renovators and home designers, not cooking accounts.'],
  ['interior', 'Smart bulbs and lighting scenes: creators with beautifully styled homes and cosy evenings in.'],
  ['interior', 'Cerchiamo creator di arredamento e design d\'interni per i nostri divani.'],
  ['interior', 'Garden furniture and outdoor lighting: creators styling patios, balconies and gardens.'],
  ['family', 'Mom influencers for a diaper brand.'],
  ['family', 'Our teething toys are designed with paediatric dentists. Seeking parents of babies 4–12 months.'],
  ['family', 'Family-friendly resort in Mallorca looking for parents who travel with their kids.'],
  ['family', 'A lunchbox for school kids — back-to-school content with parents and their children.'],
  ['family', 'Cerchiamo mamme blogger per un marchio di passeggini.'],
  ['family', 'Toddler shoes with flexible soles; looking for mums and dads posting first steps.'],
];

describe('primary audience of briefs phrased in many ways', () => {
  for (const [niche, brief] of briefs) {
    it(`${niche}: ${brief.slice(0, 70)}`, () => {
      const e = expandBriefText(brief);
      assert.equal(e.audience?.[0]?.niche, niche, JSON.stringify(e.audience));
    });
  }
});
