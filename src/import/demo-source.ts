/** The source name the generated demo creators carry; anything else is real data. */
export const DEMO_SOURCE = 'demo';
