"""Reading the reference geodata: administrative areas and the gazetteer."""
