/**
 * Word lists the demo index is generated from. Everything here was written for this project; the
 * generated creators are fictional.
 */

export const demoNiches = ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family', 'tech', 'gaming'] as const;
export type DemoNiche = (typeof demoNiches)[number];

export interface NicheVocabulary {
  /** fragments that handles are made of */
  handleParts: string[];
  /** what the creator is ("skincare nerd", "home cook") */
  roles: string[];
  /** what they post about */
  subjects: string[];
  hashtags: string[];
  /** niches this one is often combined with */
  neighbours: DemoNiche[];
}

export const vocabulary: Record<DemoNiche, NicheVocabulary> = {
  beauty: {
    handleParts: ['glow', 'blush', 'lash', 'skin', 'glam', 'beauty', 'muse', 'gloss'],
    roles: ['makeup artist', 'skincare nerd', 'licensed esthetician', 'beauty editor', 'nail artist'],
    subjects: ['everyday makeup tutorials', 'honest skincare reviews', 'clean beauty swaps', 'drugstore dupes', 'bridal glam looks', 'routines for sensitive skin'],
    hashtags: ['makeup', 'skincare', 'beauty', 'mua', 'skincareroutine', 'glowingskin', 'makeuptutorial', 'cleanbeauty', 'nails', 'lipstick'],
    neighbours: ['fashion', 'family'],
  },
  fashion: {
    handleParts: ['style', 'outfit', 'closet', 'vogue', 'thread', 'chic', 'wardrobe', 'look'],
    roles: ['stylist', 'fashion blogger', 'vintage collector', 'streetwear fan', 'personal shopper'],
    subjects: ['capsule wardrobes', 'daily outfit ideas', 'sustainable fashion finds', 'streetwear drops', 'thrift hauls', 'petite styling tips'],
    hashtags: ['ootd', 'fashion', 'style', 'outfitinspo', 'streetstyle', 'whatiwore', 'thrifted', 'sustainablefashion', 'lookbook', 'fashionblogger'],
    neighbours: ['beauty', 'travel'],
  },
  fitness: {
    handleParts: ['fit', 'lift', 'gym', 'strong', 'sweat', 'coach', 'run', 'flex'],
    roles: ['personal trainer', 'strength coach', 'yoga teacher', 'marathon runner', 'calisthenics athlete', 'pilates instructor'],
    subjects: ['home workouts', 'strength training programs', 'high protein meal prep', 'running plans for beginners', 'mobility routines', 'gym motivation'],
    hashtags: ['fitness', 'workout', 'gym', 'fitfam', 'strengthtraining', 'personaltrainer', 'running', 'yoga', 'protein', 'fitnessmotivation'],
    neighbours: ['food', 'family'],
  },
  food: {
    handleParts: ['cook', 'kitchen', 'bake', 'chef', 'eats', 'recipe', 'spoon', 'plate'],
    roles: ['home cook', 'pastry chef', 'food photographer', 'recipe developer', 'restaurant critic'],
    subjects: ['easy weeknight recipes', 'vegan comfort food', 'sourdough baking', 'street food tours', 'healthy snacks', 'family dinners on a budget'],
    hashtags: ['food', 'foodie', 'recipe', 'homecooking', 'vegan', 'baking', 'foodphotography', 'instafood', 'healthyfood', 'dinner'],
    neighbours: ['fitness', 'travel', 'family'],
  },
  travel: {
    handleParts: ['wander', 'nomad', 'roam', 'trip', 'atlas', 'passport', 'voyage', 'trail'],
    roles: ['travel photographer', 'digital nomad', 'backpacker', 'luxury travel writer', 'van lifer'],
    subjects: ['hidden beaches', 'city guides', 'budget backpacking', 'road trips', 'mountain hikes', 'boutique hotel reviews'],
    hashtags: ['travel', 'wanderlust', 'travelgram', 'adventure', 'explore', 'travelphotography', 'roadtrip', 'hiking', 'vanlife', 'beach'],
    neighbours: ['food', 'fashion'],
  },
  pet: {
    handleParts: ['paws', 'woof', 'meow', 'pup', 'kitty', 'furry', 'tails', 'bark'],
    roles: ['dog trainer', 'cat mom', 'rescue volunteer', 'pet groomer', 'dog dad'],
    subjects: ['puppy training tips', 'rescue adoption stories', 'cat life', 'dog friendly hikes', 'healthy pet food', 'grooming at home'],
    hashtags: ['dog', 'dogsofinstagram', 'cat', 'catsofinstagram', 'puppy', 'petlover', 'rescuedog', 'doglife', 'pets', 'adoptdontshop'],
    neighbours: ['family', 'travel'],
  },
  interior: {
    handleParts: ['home', 'nest', 'decor', 'casa', 'loft', 'dwell', 'interior', 'studio'],
    roles: ['interior designer', 'diy renovator', 'home stylist', 'architect', 'plant collector'],
    subjects: ['small apartment makeovers', 'scandinavian interiors', 'diy renovation', 'cozy home decor', 'houseplant care', 'organizing tips'],
    hashtags: ['interior', 'interiordesign', 'homedecor', 'diy', 'renovation', 'scandinavian', 'plants', 'homestyling', 'cozyhome', 'decor'],
    neighbours: ['family', 'fashion'],
  },
  family: {
    handleParts: ['mama', 'papa', 'family', 'littles', 'kids', 'mom', 'dad', 'home'],
    roles: ['mom of three', 'stay at home dad', 'parenting coach', 'twin mom', 'homeschooling parent'],
    subjects: ['family life', 'parenting hacks', 'toddler activities', 'kids lunch ideas', 'pregnancy journey', 'family travel'],
    hashtags: ['family', 'momlife', 'parenting', 'kids', 'motherhood', 'dadlife', 'toddler', 'familytime', 'pregnancy', 'baby'],
    neighbours: ['food', 'pet', 'interior'],
  },
  tech: {
    handleParts: ['tech', 'byte', 'gadget', 'code', 'pixel', 'dev', 'circuit', 'setup'],
    roles: ['software engineer', 'gadget reviewer', 'tech journalist', 'maker', 'photography gear nerd'],
    subjects: ['smartphone reviews', 'desk setup tours', 'coding tutorials', 'smart home gadgets', 'camera gear tests', 'ai tools explained'],
    hashtags: ['tech', 'gadgets', 'smartphone', 'coding', 'setup', 'technology', 'review', 'developer', 'smarthome', 'apple'],
    neighbours: ['gaming'],
  },
  gaming: {
    handleParts: ['game', 'play', 'pixel', 'quest', 'level', 'arcade', 'stream', 'loot'],
    roles: ['twitch streamer', 'esports player', 'retro game collector', 'speedrunner', 'game reviewer'],
    subjects: ['fps highlights', 'indie game reviews', 'retro console collection', 'speedrun attempts', 'cozy game lets plays', 'esports analysis'],
    hashtags: ['gaming', 'gamer', 'twitch', 'esports', 'videogames', 'retrogaming', 'pcgaming', 'streamer', 'playstation', 'nintendo'],
    neighbours: ['tech'],
  },
};

/** where demo creators live, how often, and what they speak */
export const demoCountries: { code: string; language: string; weight: number; hello: string }[] = [
  { code: 'US', language: 'en', weight: 30, hello: 'Based in the US' },
  { code: 'GB', language: 'en', weight: 10, hello: 'London based' },
  { code: 'CA', language: 'en', weight: 5, hello: 'Canada' },
  { code: 'AU', language: 'en', weight: 5, hello: 'Aussie living the dream' },
  { code: 'DE', language: 'de', weight: 8, hello: 'Hallo aus Deutschland' },
  { code: 'FR', language: 'fr', weight: 7, hello: 'Bonjour de France' },
  { code: 'ES', language: 'es', weight: 7, hello: 'Hola desde España' },
  { code: 'MX', language: 'es', weight: 5, hello: 'Saludos desde México' },
  { code: 'BR', language: 'pt', weight: 8, hello: 'Olá do Brasil' },
  { code: 'IT', language: 'it', weight: 6, hello: 'Ciao dall’Italia' },
  { code: 'NL', language: 'nl', weight: 3, hello: 'Groetjes uit Nederland' },
  { code: 'SE', language: 'sv', weight: 2, hello: 'Hej från Sverige' },
  { code: 'IN', language: 'en', weight: 4, hello: 'Namaste from India' },
];

export const firstNames = [
  'Ava', 'Liam', 'Mia', 'Noah', 'Zoe', 'Leo', 'Emma', 'Lucas', 'Nora', 'Mateo', 'Chloe', 'Theo', 'Lina', 'Hugo',
  'Sara', 'Jonas', 'Isla', 'Felix', 'Maya', 'Elias', 'Clara', 'Omar', 'Julia', 'Marco', 'Ana', 'Kai', 'Lea', 'Ines',
];

export const bioTemplates = [
  '{role} sharing {subject} and {subject2}. {hello}.',
  '{hello} · {role} · {subject} every week',
  '{subject} | {subject2} | {role}. DM for collabs.',
  'Your friendly {role}. Here for {subject}. {hello}!',
];
