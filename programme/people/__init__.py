"""Who people are in the programme: roles, profiles, identity, an authority's team."""
