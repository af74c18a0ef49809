"""Services: feature logic over repositories and a Clock, with no Discord imports where possible."""
