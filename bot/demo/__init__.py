"""An offline demo of the bot: a simulated server in SimCord, shown in the browser by its live preview."""
