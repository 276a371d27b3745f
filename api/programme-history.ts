// The programme's seasonal workers placed in Spain per season, 2008–2023: the history the season report sets each
// season against. Source: ANAPEC, presentation of the circular migration programme, slide "Effectifs placés".
// Constant figures kept here only: the chart (api/charts.ts), its route and the report PDF read them from this table.

export const PLACEMENTS_SOURCE = 'ANAPEC, « Effectifs placés »';

export const PROGRAMME_PLACEMENTS: readonly { season: number; placed: number }[] = [
  { season: 2008, placed: 11655 },
  { season: 2009, placed: 10684 },
  { season: 2010, placed: 6042 },
  { season: 2011, placed: 5883 },
  { season: 2012, placed: 2549 },
  { season: 2013, placed: 2257 },
  { season: 2014, placed: 2266 },
  { season: 2015, placed: 2208 },
  { season: 2016, placed: 2144 },
  { season: 2017, placed: 4627 },
  { season: 2018, placed: 15114 },
  { season: 2019, placed: 14572 },
  { season: 2020, placed: 7083 },
  { season: 2021, placed: 12700 },
  { season: 2022, placed: 11470 },
  { season: 2023, placed: 14599 },
];
