"""Station kiosks: enrolled touch screens at the service stations, a touch-first flow."""
