"use strict";
// GET / (the database account). The bare server reports "South Central US" with
// an https:// endpoint it does not serve. The handler refuses to start against a
// non-UK Cosmos account and reads the region here, and azcosmos's location cache
// routes to databaseAccountEndpoint, so report the configured region and the
// endpoint actually served.
module.exports = ({ region, endpoint }) => account => {
  const data = account.read();
  const loc = [{ name: region, databaseAccountEndpoint: endpoint() }];
  return { ...data, id: "localcosmos", writableLocations: loc, readableLocations: loc };
};
